import CEL
import HotloadNode
import HotloadStore

extension PropagationBenchmark {
    /// What `runAbort` measured.
    package struct AbortResult: Sendable {
        /// The same run's release propagation and NOTIFY floors, on the same fleet.
        package var propagation: Result
        /// The rollouts' aborts and the gate's.
        package var aborts: Aborts

        /// What the aborts measured.
        package struct Aborts: Sendable {
            package var rollouts: Int
            /// Canary nodes per rollout (half the fleet, at least one: a step of K nodes).
            package var canaries: Int
            /// Abort commit → swap back to stable on each canary over every rollout, in
            /// milliseconds.
            package var p50: Double
            package var p99: Double
            package var max: Double
            /// From the start of the controller tick whose gate evaluation first failed to
            /// the return of the tick that committed the abort, in milliseconds (an upper
            /// bound of evaluation → commit).
            package var gateToAbort: Double
            /// The interval the controller was ticked at, in milliseconds.
            package var gateInterval: Double
            /// Failing evaluations the controller recorded, the aborting one included.
            package var failingEvaluations: Int
            /// Canary nodes (over every rollout, the gate's included) that serve the stable
            /// release after the abort, and how many there were.
            package var canariesOnStable: Int
            package var canariesTotal: Int
        }

        /// `propagation-abort nodes=N p50_ms=X p99_ms=Y gate_to_abort_ms=Z interval_ms=I`:
        /// the line tools parse.
        package var line: String {
            let ms = Result.format
            return "propagation-abort nodes=\(propagation.nodes) p50_ms=\(ms(aborts.p50)) p99_ms=\(ms(aborts.p99)) "
                + "gate_to_abort_ms=\(ms(aborts.gateToAbort)) interval_ms=\(ms(aborts.gateInterval))"
        }
    }

    /// The gate the abort measurement's rollout must fail: its canary's calls all fail.
    static let abortGate = "canary.error_rate <= stable.error_rate + 0.05"

    /// Runs the release measurement of `run`, then on the same fleet (heartbeats every
    /// `gateInterval`, so that the gates see the nodes' call figures) and channel, now with
    /// a policy: `rollouts` times a candidate pushed, a step of half the fleet, the
    /// canaries serving it, then an abort committed with `Store.abortRolloutTimed` and
    /// commit → swap back to stable timed on each canary; and once a candidate whose
    /// calls fail (through the nodes' call API, so that their reported figures are real)
    /// under a `RolloutController` ticked every `gateInterval` until its gate aborts it.
    package static func runAbort(database: String?, nodes: Int, releases: Int, rollouts: Int, gateInterval: Duration,
                                 sign: Bool = false,
                                 progress: @Sendable (String) -> Void = { _ in }) async throws -> AbortResult {
        guard (1...1000).contains(rollouts) else { throw Failure(description: "the rollout count must be between 1 and 1000") }
        guard gateInterval >= .milliseconds(10) && gateInterval <= .seconds(600) else {
            throw Failure(description: "the gate interval must be between 10 ms and 600 s")
        }
        let (propagation, aborts) = try await measure(
            database: database, nodes: nodes, releases: releases, sign: sign, heartbeatInterval: gateInterval,
            progress: progress
        ) { fleet, head in
            let canaries = max(1, nodes / 2)
            try await fleet.store.setChannelPolicy(channel: fleet.channel, requiredApprovals: 0,
                                                   steps: [.nodes(canaries)], bakeSeconds: 3600)
            progress("aborting \(rollouts) rollouts with \(canaries) canary nodes each")
            var head = head
            var samples: [Double] = []
            var onStable = 0
            for _ in 0..<rollouts {
                let rollout = try await fleet.startRollout(after: head, failing: false)
                head = rollout.candidate
                let names = try await fleet.enterStep(rollout)
                let committedAt = try await fleet.store.abortRolloutTimed(rollout.id, reason: "propagation benchmark")
                let swaps = try await fleet.recorder.waitFor(nodes: names, release: rollout.stable, since: committedAt,
                                                             timeout: .seconds(60))
                samples += swaps.map { BenchMeasurement.milliseconds($0 - committedAt) }
                onStable += fleet.onRelease(names, rollout.stable)
                try await fleet.settle()
            }
            progress("a candidate whose calls fail, under a controller ticking every \(gateInterval)")
            try await fleet.store.setChannelPolicy(channel: fleet.channel, requiredApprovals: 0,
                                                   steps: [.nodes(canaries)], bakeSeconds: 3600, gates: [abortGate])
            let gate = try await gateToAbort(fleet, after: head, interval: gateInterval)
            let percentile = BenchMeasurement.percentile
            samples.sort()
            return AbortResult.Aborts(
                rollouts: rollouts, canaries: canaries,
                p50: percentile(samples, 0.50), p99: percentile(samples, 0.99), max: samples.last ?? 0,
                gateToAbort: BenchMeasurement.milliseconds(gate.elapsed),
                gateInterval: BenchMeasurement.milliseconds(gateInterval), failingEvaluations: gate.failing,
                canariesOnStable: onStable + gate.onStable, canariesTotal: canaries * (rollouts + 1))
        }
        return AbortResult(propagation: propagation, aborts: aborts)
    }

    /// Drives a controller on a connection of its own over a rollout of a failing candidate
    /// while every node gets calls, until the controller aborts it; then waits for the
    /// canaries to serve stable again.
    private static func gateToAbort(_ fleet: Fleet, after head: Int64, interval: Duration) async throws
        -> (elapsed: Duration, failing: Int, onStable: Int)
    {
        let rollout = try await fleet.startRollout(after: head, failing: true)
        let load = Task { await fleet.callEveryNode() }
        defer { load.cancel() }
        let controllerStore = try await Store.connect(fleet.config)
        let controller = RolloutController(configuration: ControllerConfiguration(channel: fleet.channel, interval: interval))
        do {
            var firstFailure: ContinuousClock.Instant?
            var failing = 0
            var abortedAt: ContinuousClock.Instant?
            var canaries: [String] = []
            let deadline = ContinuousClock.now + .seconds(120) + interval * 10
            while abortedAt == nil {
                guard ContinuousClock.now < deadline else {
                    throw Failure(description: "the controller did not abort the failing candidate in time")
                }
                let started = ContinuousClock.now
                let events = try await controller.tick(controllerStore)
                if let error = events.first(where: { $0.kind == .error }) {
                    throw Failure(description: "the controller failed: \(error.message)")
                }
                if events.contains(where: { $0.kind == .step }) {
                    // Read while the rollout is active: after the abort no node runs the candidate.
                    canaries = try await fleet.canaries(of: rollout)
                }
                if events.contains(where: { $0.kind == .fail }) {
                    failing += 1
                    if firstFailure == nil { firstFailure = started }
                }
                if events.contains(where: { $0.kind == .abort }) {
                    abortedAt = .now
                } else {
                    try await Task.sleep(until: started + interval)
                }
            }
            try await controller.stopped(controllerStore)
            await controllerStore.connection.close()
            guard let firstFailure, let abortedAt else { throw Failure(description: "the controller aborted without a failing gate") }
            try await fleet.recorder.waitFor(nodes: canaries, release: rollout.stable, since: firstFailure,
                                             timeout: .seconds(60))
            return (abortedAt - firstFailure, failing, fleet.onRelease(canaries, rollout.stable))
        } catch {
            await controllerStore.connection.close()
            throw error
        }
    }
}

extension PropagationBenchmark.Fleet {
    /// A rollout the benchmark started by pushing a candidate to its channel (with a policy).
    struct Rollout {
        var id: Int64
        var candidate: Int64
        var stable: Int64
    }

    /// Pushes a candidate built on `head` (whose calls fail when `failing`): the channel's
    /// policy makes it a rollout, progressing before its first step.
    func startRollout(after head: Int64, failing: Bool) async throws -> Rollout {
        let candidate = try await store.publishTimed(channel: channel, module: Self.module,
                                                     source: Self.source(Int(head) + 1, failing: failing), parent: head,
                                                     signingKey: signingKey).release
        guard let id = try await store.activeRollout(channel: channel) else {
            throw PropagationBenchmark.Failure(description: "the push of release \(candidate) started no rollout")
        }
        let status = try await store.rolloutStatus(id)
        guard let stable = status.stable else {
            throw PropagationBenchmark.Failure(description: "rollout \(id) has no stable release")
        }
        return Rollout(id: id, candidate: candidate, stable: stable)
    }

    /// Enters the rollout's first step and waits until its canaries serve the candidate.
    /// - Returns: the canaries' names.
    func enterStep(_ rollout: Rollout) async throws -> [String] {
        let stepped = ContinuousClock.now
        try await store.nextStep(rollout.id)
        let names = try await canaries(of: rollout)
        try await recorder.waitFor(nodes: names, release: rollout.candidate, since: stepped, timeout: .seconds(60))
        try await settle()
        return names
    }

    /// The nodes the rollout's step selected (by the store's status).
    func canaries(of rollout: Rollout) async throws -> [String] {
        let names = try await store.rolloutStatus(rollout.id).nodes.filter(\.runsCandidate).map(\.name)
        guard !names.isEmpty else {
            throw PropagationBenchmark.Failure(description: "rollout \(rollout.id) selected no canary node")
        }
        return names
    }

    /// How many of `names` serve `release` now (their current release, not an event).
    func onRelease(_ names: [String], _ release: Int64) -> Int {
        let wanted = Set(names)
        return nodes.filter { wanted.contains($0.configuration.name) && $0.current?.release == release }.count
    }

    /// Calls `version(1)` on every node's current release through the node's call API
    /// (counted in the figures the node reports), every 20 ms until cancelled.
    func callEveryNode() async {
        while !Task.isCancelled {
            for node in nodes {
                _ = try? node.current?.call(module: Self.module, function: "version", args: [.int(1)])
            }
            do { try await Task.sleep(for: .milliseconds(20)) } catch { return }
        }
    }
}
