import ArgumentParser
import HotloadStore

/// Options shared by the rollout commands: durations such as `5m`, step lists, gates.
enum RolloutOptions {
    /// Seconds of `text`: a number followed by `s`, `m`, `h` or `d` (a bare number is
    /// seconds), e.g. `90s`, `5m`, `2h`.
    static func seconds(_ text: String, option: String) throws -> Int {
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        var digits = Substring(text)
        var unit = 1
        if let last = digits.last, let factor = units[last] {
            unit = factor
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ ("0"..."9").contains($0) }),
              let value = Int(digits) else {
            throw ValidationError("\(option) '\(Output.safe(text))' is not a duration: give a number with s, m, h or d (e.g. 5m)")
        }
        return value * unit
    }

    /// Compiles each gate, so that one that does not compile is refused before connecting
    /// (the store compiles them again before it sets them).
    static func checkGates(_ gates: [String]) throws {
        for gate in gates { _ = try RolloutGate.compile(gate) }
    }

    /// The plan options of `rollout start`, nil where not given.
    static func plan(steps: String?, bake: String?, gates: [String]) throws -> RolloutPlan {
        try checkGates(gates)
        return RolloutPlan(steps: try steps.map { try RolloutStep.parse(list: $0) },
                    bakeSeconds: try bake.map { try seconds($0, option: "--bake") },
                    gates: gates.isEmpty ? nil : gates)
    }
}

/// Which rollout a command acts on: `ROLLOUT`, else the channel's active one.
struct RolloutTarget: ParsableArguments {
    @Argument(help: "The rollout id (default: the channel's active rollout).")
    var rollout: Int64?

    @Option(help: "The channel whose active rollout to use when no id is given.")
    var channel: String = "main"

    func resolve(_ store: Store) async throws -> Int64 {
        if let rollout { return rollout }
        guard let active = try await store.activeRollout(channel: channel) else {
            throw StoreError.noActiveRollout(channel: channel)
        }
        return active
    }

    /// Opens a store with `connection`, resolves the rollout and runs `action` on it.
    func act<T>(_ connection: ConnectionOptions, _ action: (Store, Int64) async throws -> T) async throws -> T {
        try await connection.withStore { store in
            try await action(store, try await resolve(store))
        }
    }
}
