import Foundation
import PQ

extension Store {
    /// Sets (or replaces) the rollout policy of `channel` (created if missing): pushes to it
    /// become rollouts that need `requiredApprovals` distinct approvers and go through
    /// `steps`, baking `bakeSeconds` each, guarded by `gates`. Needs `hotload_admin`.
    /// Every gate is compiled first (`RolloutGate`); one that does not compile is refused.
    public func setChannelPolicy(channel: String, requiredApprovals: Int, steps: [RolloutStep],
                                 bakeSeconds: Int, gates: [String] = [], salt: String? = nil) async throws {
        try Self.validate(channel: channel)
        guard (0...10).contains(requiredApprovals) else {
            throw StoreError.invalidRequest("a channel requires 0 to 10 approvals, not \(requiredApprovals)")
        }
        try Self.validate(plan: RolloutPlan(steps: steps, bakeSeconds: bakeSeconds, gates: gates))
        if let salt { try Self.validate(salt: salt) }
        try await runRollout(needs: .admin, .init(channel: channel, action: "set the policy")) {
            try await connection.execute(
                "SELECT hotload.channel_set_policy($1, $2, $3::text[], $4, $5::text[], $6)",
                [.text(channel), .int(requiredApprovals), .textArray(steps.map(\.description)), .int(bakeSeconds),
                 .textArray(gates), .optionalText(salt)])
        }
    }

    /// Removes the rollout policy of `channel`: later pushes reach every node at once.
    /// An active rollout keeps its plan. Needs `hotload_admin`.
    public func clearChannelPolicy(channel: String) async throws {
        try Self.validate(channel: channel)
        try await runRollout(needs: .admin, .init(channel: channel, action: "clear the policy")) {
            try await connection.execute("SELECT hotload.channel_clear_policy($1)", [.text(channel)])
        }
    }

    /// The rollout policy of `channel`; nil when it has none.
    public func channelPolicy(channel: String) async throws -> ChannelPolicy? {
        try await channelPolicies(only: channel).first
    }

    /// Every channel's rollout policy, by channel name.
    public func channelPolicies() async throws -> [ChannelPolicy] {
        try await channelPolicies(only: nil)
    }

    private func channelPolicies(only channel: String?) async throws -> [ChannelPolicy] {
        try await run(needs: .reader) {
            let rows = try await connection.query("""
                SELECT channel, required_approvals, to_json(steps)::text AS steps, bake_seconds,
                       to_json(gates)::text AS gates, salt, updated_by, updated_at
                FROM hotload.channel_policies WHERE $1::text IS NULL OR channel = $1
                ORDER BY channel COLLATE "C"
                """, [.optionalText(channel)])
            return try rows.map { row in
                ChannelPolicy(
                    channel: try row.decode("channel", as: String.self),
                    requiredApprovals: try row.decode("required_approvals", as: Int.self),
                    steps: try RolloutJSON.steps(try row.decode("steps", as: String.self)),
                    bakeSeconds: try row.decode("bake_seconds", as: Int.self),
                    gates: try RolloutJSON.strings(try row.decode("gates", as: String.self)),
                    salt: try row.decode("salt", as: String?.self),
                    updatedBy: try row.decode("updated_by", as: String.self),
                    updatedAt: try row.decode("updated_at", as: Date.self))
            }
        }
    }

    static func validate(channel: String) throws {
        guard ChannelName.isValid(channel) else { throw StoreError.invalidChannelName(channel) }
    }

    /// The checks the database makes on a plan, plus compiling the gates (it cannot).
    static func validate(plan: RolloutPlan) throws {
        if let steps = plan.steps {
            try RolloutStep.validate(steps, text: steps.map(\.description).joined(separator: ","))
        }
        if let bake = plan.bakeSeconds, !(0...604_800).contains(bake) {
            throw StoreError.invalidRequest("a step bakes 0 to 604800 seconds (7 days), not \(bake)")
        }
        if let gates = plan.gates {
            guard gates.count <= 10 else {
                throw StoreError.invalidRequest("a plan has at most 10 gates, not \(gates.count)")
            }
            for gate in gates {
                guard (1...1000).contains(gate.count), !gate.unicodeScalars.contains(where: TerminalText.isControl) else {
                    throw StoreError.invalidGate(gate, diagnostic: "a gate has 1 to 1000 characters and no control characters")
                }
                _ = try RolloutGate.compile(gate)
            }
        }
    }

    static func validate(salt: String) throws {
        guard (1...100).contains(salt.count), !salt.unicodeScalars.contains(where: TerminalText.isControl) else {
            throw StoreError.invalidRequest("a salt has 1 to 100 characters and no control characters")
        }
    }
}

/// Arrays read as JSON text (PQ decodes scalars only).
enum RolloutJSON {
    static func strings(_ json: String) throws -> [String] {
        do {
            return try JSONDecoder().decode([String].self, from: Data(json.utf8))
        } catch {
            throw StoreError.invalidRequest("the database returned a malformed array: \(json)")
        }
    }

    static func steps(_ json: String) throws -> [RolloutStep] {
        try strings(json).map { text in
            guard let step = RolloutStep(text) else {
                throw StoreError.invalidRequest("the database returned a malformed step: \(text)")
            }
            return step
        }
    }
}
