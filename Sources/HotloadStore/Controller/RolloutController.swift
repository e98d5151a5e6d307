import Foundation
import PQ
import Synchronization

/// What a `RolloutController` is told to do.
public struct ControllerConfiguration: Sendable {
    /// The channel to steer; nil: every channel.
    public var channel: String?
    /// Time between two ticks: the leader renews its leases every tick, and a standby
    /// takes over within one tick of the leader's session ending or its lease expiring.
    public var interval: Duration
    /// How long a lease lasts without renewal: how long a leader that hangs (or loses the
    /// database while its session lingers) keeps a channel from its standbys.
    public var lease: Duration
    /// Fewer canary calls than this in the window: the step holds (gates are not judged).
    public var minCanaryCalls: Int
    /// A node whose heartbeat (or metrics report) is older is not live.
    public var liveSeconds: Int
    /// Failing evaluations in a row that abort a rollout.
    public var failuresToAbort: Int

    /// The defaults: every channel, a tick every 10 s, a lease of three intervals, at least
    /// 20 canary calls, nodes live for 30 s, three failing evaluations abort.
    public init(channel: String? = nil, interval: Duration = .seconds(10), lease: Duration? = nil,
                minCanaryCalls: Int = 20, liveSeconds: Int = 30, failuresToAbort: Int = 3) {
        self.channel = channel
        self.interval = interval
        self.lease = lease ?? interval * 3
        self.minCanaryCalls = minCanaryCalls
        self.liveSeconds = liveSeconds
        self.failuresToAbort = failuresToAbort
    }
}

/// One decision (or observation) of a controller, for its log.
public struct ControllerEvent: Sendable, Hashable {
    /// What kind of decision it is; the raw value is what `--json` prints.
    public enum Kind: String, Sendable {
        /// It took the leadership (the lease) of a channel.
        case leading
        /// Another controller took the leadership of a channel this one led (its lease ran
        /// out, or its session ended): it stands by.
        case standby
        /// It entered a rollout's next step.
        case step
        /// Every gate held at this evaluation.
        case pass
        /// A gate failed at this evaluation.
        case fail
        /// Too little traffic: the step holds.
        case hold
        /// The step still bakes.
        case baking
        /// It aborted a rollout whose gates failed too often in a row.
        case abort
        /// The last step has baked with its gates held: an operator may promote.
        case ready
        /// An action failed (it is retried at the next tick).
        case error
    }
    public var kind: Kind
    /// The channel it concerns (nil: the controller as a whole).
    public var channel: String?
    /// The rollout it concerns, if one.
    public var rollout: Int64?
    /// What happened and why, with the figures the gates saw.
    public var message: String
}

/// The rollout controller: each tick, for every approved or progressing rollout of the
/// channels it leads, it enters the first step, judges the gates over the canary and
/// stable figures (recording each verdict as a `gate` event), aborts after
/// `failuresToAbort` failing verdicts in a row (with `hotload.rollout_abort`, the reason
/// naming the gate), holds while the canary has too little traffic, and enters the next
/// step once the current one has baked with its gates held. It never promotes: the last
/// step serves the candidate to the whole planned share already, and making it the
/// channel's stable release stays an operator's decision (`hotload rollout promote`).
///
/// Leadership: one controller per channel with an active rollout acts, the one holding the
/// channel's lease (`Store.lead`, granted by the database to `hotload_operator` logins
/// only). The leader renews it every tick; the others ask every tick and get it once the
/// leader's lease expired or its database session ended; a clean stop releases it. Every
/// action it takes names its instance, and the database refuses it unless that instance
/// holds the unexpired lease. Every tick also records the controller's liveness
/// (`Store.controllerHeartbeat`), which `hotload rollout status` reads to say when no
/// controller runs.
public final class RolloutController: Sendable {
    public let configuration: ControllerConfiguration
    /// This process's id in `hotload.controllers`.
    public let instance: UUID
    private let host: String
    private let pid: Int

    private struct State {
        /// Channels whose lease this controller holds, with when it runs out by this
        /// process's clock (measured from before the request that granted it).
        var leases: [String: ContinuousClock.Instant] = [:]
        /// Gates compiled once per rollout.
        var gates: [Int64: CompiledGates] = [:]
        /// Rollouts already reported ready to promote.
        var ready: Set<Int64> = []
    }
    private let state = Mutex(State())

    /// A controller; nothing happens until `tick` or `run`. `host` and `pid` are what
    /// `rollout status` shows of it.
    public init(configuration: ControllerConfiguration, instance: UUID = UUID(),
                host: String = ProcessInfo.processInfo.hostName,
                pid: Int = Int(ProcessInfo.processInfo.processIdentifier)) {
        self.configuration = configuration
        self.instance = instance
        self.host = host
        self.pid = pid
    }

    /// The channels whose unexpired lease this controller holds.
    public var leading: Set<String> {
        let now = ContinuousClock.now
        return state.withLock { Set($0.leases.filter { $0.value > now }.keys) }
    }

    /// One tick on `store`.
    /// - Throws: what the liveness heartbeat throws (`permission_denied` naming
    ///   `hotload_operator` for a login without it; connection errors); errors of single
    ///   rollout actions become `.error` events instead.
    public func tick(_ store: Store) async throws -> [ControllerEvent] {
        var events: [ControllerEvent] = []
        // First, so that a login without hotload_operator is refused naming that role.
        try await heartbeat(store)
        let rollouts = try await store.controlledRollouts(channel: configuration.channel)
        let before = leading
        events += try await lead(Set(rollouts.map(\.channel)), store)
        if leading != before { try await heartbeat(store) }
        for rollout in rollouts where rollout.phase == .approved || rollout.phase == .progressing {
            // Only under an unexpired lease (the database refuses the rest anyway).
            guard leading.contains(rollout.channel) else { continue }
            do {
                events += try await steer(rollout, store)
            } catch let error as StoreError where error.code == .notLeader {
                state.withLock { _ = $0.leases.removeValue(forKey: rollout.channel) }
                events.append(ControllerEvent(kind: .standby, channel: rollout.channel, rollout: rollout.id,
                                              message: "\(error.message); standing by"))
            } catch {
                events.append(ControllerEvent(kind: .error, channel: rollout.channel, rollout: rollout.id,
                                              message: "\(error)"))
            }
        }
        return events
    }

    /// Ticks every interval until cancelled, on a connection of its own: after an error it
    /// reconnects at the next tick (and renews its leases, unless a standby took them over
    /// once the old session was gone). The first tick's errors are thrown, so a login
    /// without `hotload_operator` or an unreachable server refuses to start; later ones are
    /// reported as `.error` events.
    /// On cancellation it releases its leases, records that it stopped and closes its
    /// connection.
    public func run(_ database: ConnectionConfiguration, report: @Sendable (ControllerEvent) -> Void) async throws {
        var store: Store? = try await Store.connect(database)
        do {
            for event in try await tick(store!) { report(event) }
        } catch {
            await store?.connection.close()
            throw error
        }
        while !Task.isCancelled {
            do { try await Task.sleep(for: configuration.interval) } catch { break }
            do {
                if store == nil { store = try await Store.connect(database) }
                for event in try await tick(store!) { report(event) }
            } catch {
                if Task.isCancelled { break }
                report(ControllerEvent(kind: .error, channel: configuration.channel, rollout: nil,
                                       message: "\(error); reconnecting at the next tick"))
                await store?.connection.close()
                store = nil
            }
        }
        if let store {
            // A task of its own: this one is cancelled, which would abort the statement.
            await Task {
                try? await self.stopped(store)
                await store.connection.close()
            }.value
        }
    }

    /// Takes or renews the lease of each channel in `channels` (those with an active
    /// rollout) and releases those of other channels.
    private func lead(_ channels: Set<String>, _ store: Store) async throws -> [ControllerEvent] {
        var events: [ControllerEvent] = []
        for channel in channels.sorted() {
            let asked = ContinuousClock.now
            let left = try await store.lead(channel: channel, instance: instance, lease: configuration.lease)
            let held = state.withLock { state in
                defer { state.leases[channel] = left.map { asked + $0 } }
                return state.leases[channel] != nil
            }
            if left != nil, !held {
                events.append(ControllerEvent(kind: .leading, channel: channel, rollout: nil,
                                              message: "leading the rollouts of channel \(channel)"))
            } else if left == nil, held {
                events.append(ControllerEvent(kind: .standby, channel: channel, rollout: nil,
                                              message: "another controller leads channel \(channel) now; standing by"))
            }
        }
        let idle = state.withLock { Set($0.leases.keys) }.subtracting(channels)
        for channel in idle.sorted() {
            try await store.releaseLeadership(instance: instance, channel: channel)
            state.withLock { _ = $0.leases.removeValue(forKey: channel) }
        }
        return events
    }

    private func heartbeat(_ store: Store) async throws {
        try await store.controllerHeartbeat(instance: instance, channel: configuration.channel, host: host, pid: pid,
                                            interval: configuration.interval, leading: leading.sorted())
    }

    /// Releases this controller's leases (a standby takes over at its next tick) and
    /// records that it stopped (so `rollout status` says so at once).
    public func stopped(_ store: Store) async throws {
        state.withLock { $0.leases = [:] }
        try await store.releaseLeadership(instance: instance)
        try await store.controllerHeartbeat(instance: instance, channel: configuration.channel, host: host, pid: pid,
                                            interval: configuration.interval, leading: [], stopped: true)
    }

    private func steer(_ rollout: ControlledRollout, _ store: Store) async throws -> [ControllerEvent] {
        func event(_ kind: ControllerEvent.Kind, _ message: String) -> ControllerEvent {
            ControllerEvent(kind: kind, channel: rollout.channel, rollout: rollout.id, message: message)
        }
        guard rollout.phase == .progressing, let step = rollout.step else {
            let entered = try await store.nextStep(rollout.id, liveSeconds: configuration.liveSeconds,
                                                   controller: instance)
            return [event(.step, "entered step \(entered + 1)/\(rollout.steps.count) (\(rollout.steps[entered]))")]
        }
        var events: [ControllerEvent] = []
        if !rollout.gates.isEmpty {
            let gates = compiledGates(rollout)
            let (canary, stable) = try await store.gateFigures(rollout, liveSeconds: configuration.liveSeconds)
            let figures = "canary \(Self.describe(canary)); stable \(Self.describe(stable))"
            if canary.calls < configuration.minCanaryCalls {
                let reason = "too little traffic: \(canary.calls) canary calls in the window, fewer than "
                    + "\(configuration.minCanaryCalls); holding step \(step + 1)"
                _ = try await store.recordGateVerdict(rollout.id, step: step, verdict: .hold,
                                                      detail: Self.detail(nil, canary, stable, reason: reason),
                                                      controller: instance)
                return [event(.hold, "\(reason) (\(figures))")]
            }
            let results = gates.evaluate(canary: canary, stable: stable)
            let failed = results.filter { !$0.passed }
            let streak = try await store.recordGateVerdict(rollout.id, step: step, verdict: failed.isEmpty ? .pass : .fail,
                                                           detail: Self.detail(results, canary, stable, reason: nil),
                                                           controller: instance)
            guard let first = failed.first else {
                events.append(event(.pass, "gates held (\(figures))"))
                return events + (try await advance(rollout, step, store, event))
            }
            let why = first.error.map { " (\($0))" } ?? ""
            events.append(event(.fail, "gate '\(first.gate)' failed\(why), \(streak) in a row (\(figures))"))
            if streak >= configuration.failuresToAbort {
                let reason = "gate '\(first.gate)' failed \(streak) evaluations in a row\(why): \(figures)"
                try await store.abortRollout(rollout.id, reason: reason, controller: instance)
                events.append(event(.abort, "aborted: \(reason)"))
            }
            return events
        }
        return events + (try await advance(rollout, step, store, event))
    }

    /// After the gates held: the next step once the current one baked.
    private func advance(_ rollout: ControlledRollout, _ step: Int, _ store: Store,
                         _ event: (ControllerEvent.Kind, String) -> ControllerEvent) async throws -> [ControllerEvent] {
        guard rollout.baked else { return [event(.baking, "step \(step + 1) bakes (\(rollout.bakeSeconds)s)")] }
        if rollout.atLastStep {
            let first = state.withLock { $0.ready.insert(rollout.id).inserted }
            return first ? [event(.ready, "last step baked with its gates held: ready to promote")] : []
        }
        let entered = try await store.nextStep(rollout.id, liveSeconds: configuration.liveSeconds,
                                               controller: instance)
        return [event(.step, "entered step \(entered + 1)/\(rollout.steps.count) (\(rollout.steps[entered]))")]
    }

    private func compiledGates(_ rollout: ControlledRollout) -> CompiledGates {
        state.withLock { state in
            if let compiled = state.gates[rollout.id], compiled.gates == rollout.gates { return compiled }
            let compiled = CompiledGates(rollout.gates)
            state.gates[rollout.id] = compiled
            return compiled
        }
    }

    private static func describe(_ figures: RolloutFigures) -> String {
        "calls \(figures.calls), errors \(figures.errors), error_rate \(format(figures.errorRate)), "
            + "p50_ms \(format(figures.p50Milliseconds)), p99_ms \(format(figures.p99Milliseconds)), nodes \(figures.nodes)"
    }

    private static func format(_ value: Double) -> String { String(format: "%.4g", value) }

    /// The JSON detail of a gate event: each gate's result, both groups' figures, and why
    /// it held.
    private static func detail(_ results: [GateResult]?, _ canary: RolloutFigures, _ stable: RolloutFigures,
                               reason: String?) -> String {
        func group(_ figures: RolloutFigures) -> [String: Any] {
            ["calls": figures.calls, "errors": figures.errors, "error_rate": figures.errorRate,
             "p50_ms": figures.p50Milliseconds, "p99_ms": figures.p99Milliseconds, "nodes": figures.nodes]
        }
        var object: [String: Any] = ["canary": group(canary), "stable": group(stable)]
        if let results {
            object["gates"] = results.map { result -> [String: Any] in
                var entry: [String: Any] = ["gate": result.gate, "passed": result.passed]
                if let error = result.error { entry["error"] = error }
                return entry
            }
        }
        if let reason { object["reason"] = reason }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
