import Foundation
import HotloadNode
import HotloadStore
import PQ

/// Measures how fast a release reaches a fleet of nodes: from the commit of a release to
/// its swap on every node, next to the raw LISTEN/NOTIFY round trip on the same server
/// (the physical floor). Used by `hotload bench propagation`.
package enum PropagationBenchmark {
    /// What a run measured.
    package struct Result: Sendable {
        package var nodes: Int
        package var releases: Int
        /// Commit → swap over every (node, release), in milliseconds.
        package var p50: Double
        package var p99: Double
        package var max: Double
        /// Median time a node spends from starting its sync (the wake-up reached it) to the
        /// swap: the head read, the fetch and the compile, in milliseconds.
        package var syncP50: Double
        /// Raw NOTIFY → listener wake-up, one listener, in milliseconds.
        package var notifyP50: Double
        /// Raw NOTIFY → wake-up of each of `nodes` plain listeners (connections that only
        /// LISTEN, in this process, with the fleet stopped), in milliseconds: what the
        /// fan-out alone costs on this machine.
        package var fanOutP50: Double
        package var fanOutP99: Double
        /// The same fan-out, each listener then reading the head once with the nodes'
        /// statement (time taken after the read), in milliseconds: the floor of a design
        /// that re-reads the head on every wake-up, without compiling or swapping anything.
        package var fanOutReadP50: Double
        package var fanOutReadP99: Double
        /// Database connections each node holds (measured in `pg_stat_activity`).
        package var connectionsPerNode: Double
        /// Whether releases were signed and nodes had a trust policy (`--sign`).
        package var signed: Bool
        /// Target reads per node per release while the releases went out (0 when every
        /// release travelled in its notification).
        package var readsPerNodeRelease: Double
        /// Transactions per node per release on the server while the releases went out
        /// (`pg_stat_database`, less the pusher's own): reads and status writes.
        package var serverTransactionsPerNodeRelease: Double
        /// Releases nodes applied from the notification itself, per node per release.
        package var fastPathShare: Double

        /// `propagation nodes=N p50_ms=X p99_ms=Y notify_p50_ms=Z fanout_p50_ms=F readback_p50_ms=G`:
        /// the line tools parse (F is `fanOutP50`, G `fanOutReadP50`).
        package var line: String {
            "propagation nodes=\(nodes) p50_ms=\(Self.format(p50)) p99_ms=\(Self.format(p99)) "
                + "notify_p50_ms=\(Self.format(notifyP50)) fanout_p50_ms=\(Self.format(fanOutP50)) "
                + "readback_p50_ms=\(Self.format(fanOutReadP50))"
        }

        /// Milliseconds with two decimals, as in `line`.
        package static func format(_ ms: Double) -> String { String(format: "%.2f", ms) }
    }

    /// Why the benchmark could not run.
    package struct Failure: Error, Sendable, CustomStringConvertible {
        package var description: String
    }

    /// Runs the benchmark on `database` (which it migrates), on a channel of its own.
    ///
    /// The releases are committed with `Store.publishTimed`, which returns the instant just
    /// before `COMMIT` was sent: the clock starts there, as it does for the raw NOTIFY
    /// measurement.
    /// - Parameters:
    ///   - nodes: how many nodes to start in this process (each with its own two connections).
    ///   - releases: how many releases to commit, one after the other.
    ///   - progress: called with a line of progress now and then.
    ///   - sign: sign every release and give every node a trust policy with the key, so that
    ///     releases travel in their notification (the signed fast path).
    package static func run(database: String?, nodes: Int, releases: Int, sign: Bool = false,
                           progress: @Sendable (String) -> Void = { _ in }) async throws -> Result {
        try await measure(database: database, nodes: nodes, releases: releases, sign: sign,
                          heartbeatInterval: .seconds(600), progress: progress) { _, _ in }.result
    }

    /// The release measurement of `run`, with `during` run on the same fleet after the
    /// releases (given the channel's head) and before the NOTIFY floors, which are measured
    /// with the fleet stopped.
    static func measure<Extra: Sendable>(
        database: String?, nodes: Int, releases: Int, sign: Bool = false, heartbeatInterval: Duration,
        progress: @Sendable (String) -> Void, during: (Fleet, _ head: Int64) async throws -> Extra
    ) async throws -> (result: Result, extra: Extra) {
        guard (1...2000).contains(nodes) else { throw Failure(description: "the node count must be between 1 and 2000") }
        guard (1...10_000).contains(releases) else { throw Failure(description: "the release count must be between 1 and 10000") }
        let fleet = try await Fleet.start(database: database, count: nodes, heartbeatInterval: heartbeatInterval,
                                          signingKey: sign ? SigningKey() : nil, progress: progress)
        do {
            let connections = try await fleet.connections()
            progress("committing \(releases) \(sign ? "signed " : "")releases")
            let before = try await fleet.counters()
            let (samples, head) = try await fleet.publishReleases(releases, after: fleet.firstRelease)
            let after = try await fleet.counters()
            let perNodeRelease = { (value: Int) in Double(value) / Double(nodes * releases) }
            let extra = try await during(fleet, head)

            progress("measuring the raw NOTIFY round trip")
            let notify = try await notifyRoundTrips(fleet.config, count: max(50, releases))
            await fleet.stop()
            progress("measuring the raw NOTIFY fan-out to \(nodes) listeners")
            let rounds = min(max(10, releases), 50)
            let fanOut = try await notifyFanOut(fleet.config, listeners: nodes, rounds: rounds).sorted()
            progress("measuring the raw NOTIFY fan-out to \(nodes) listeners that each read the head")
            let fanOutRead = try await notifyFanOut(fleet.config, listeners: nodes, rounds: rounds,
                                                    headReadOf: fleet.channel).sorted()
            await fleet.close()
            let sorted = samples.sorted()
            let percentile = BenchMeasurement.percentile
            let result = Result(nodes: nodes, releases: releases, p50: percentile(sorted, 0.50), p99: percentile(sorted, 0.99),
                                max: sorted.last ?? 0, syncP50: percentile(fleet.recorder.syncDurations, 0.50),
                                notifyP50: percentile(notify.sorted(), 0.50),
                                fanOutP50: percentile(fanOut, 0.50), fanOutP99: percentile(fanOut, 0.99),
                                fanOutReadP50: percentile(fanOutRead, 0.50), fanOutReadP99: percentile(fanOutRead, 0.99),
                                connectionsPerNode: Double(connections) / Double(nodes), signed: sign,
                                readsPerNodeRelease: perNodeRelease(after.reads - before.reads),
                                serverTransactionsPerNodeRelease: perNodeRelease(
                                    after.transactions - before.transactions - releases - Fleet.Counters.ownTransactions),
                                fastPathShare: perNodeRelease(after.fastPathApplies - before.fastPathApplies))
            return (result, extra)
        } catch {
            await fleet.stop()
            await fleet.close()
            throw error
        }
    }

    /// Raw LISTEN/NOTIFY: send → listener wake-up, `count` times, in milliseconds.
    private static func notifyRoundTrips(_ config: ConnectionConfiguration, count: Int) async throws -> [Double] {
        let listener = try await Connection.connect(config)
        let sender = try await Connection.connect(config)
        defer {
            Task {
                await listener.close()
                await sender.close()
            }
        }
        try await listener.listen("hotload_bench_probe")
        var results: [Double] = []
        for i in 0..<count {
            async let arrived: ContinuousClock.Instant? = {
                let deadline = ContinuousClock.now + .seconds(10)
                while ContinuousClock.now < deadline {
                    let notes = try await listener.waitForNotifications(timeout: .seconds(10))
                    if notes.contains(where: { $0.payload == "\(i)" }) { return ContinuousClock.now }
                }
                return nil
            }()
            // Give the listener task time to enter its wait before sending.
            try await Task.sleep(for: .milliseconds(2))
            let sent = ContinuousClock.now
            try await sender.execute("SELECT pg_notify('hotload_bench_probe', $1)", [.text("\(i)")])
            guard let at = try await arrived else { throw Failure(description: "a NOTIFY did not arrive within 10 s") }
            results.append(BenchMeasurement.milliseconds(at - sent))
        }
        return results
    }

    /// Raw LISTEN/NOTIFY to `listeners` connections at once: send → each listener's
    /// wake-up, over `rounds` notifications, in milliseconds. With `headReadOf`, each
    /// listener then also reads that channel's head with the nodes' statement
    /// (`NodeSession.readTarget`) on a query connection of its own, settled as the nodes do, and the time is taken after the read: the least any design
    /// that re-reads the head on every wake-up can do.
    private static func notifyFanOut(_ config: ConnectionConfiguration, listeners: Int, rounds: Int,
                                     headReadOf channel: String? = nil) async throws -> [Double] {
        let arrivals = Arrivals()
        var connections: [Connection] = []
        var readers: [Connection] = []
        var receivers: [Task<Void, Never>] = []
        // Closed before returning, on success and failure alike: the next measurement opens
        // as many connections again.
        func closeAll() async {
            for receiver in receivers { receiver.cancel() }
            for connection in connections { await connection.close() }
            for reader in readers { await reader.close() }
        }
        do {
            connections.append(try await Connection.connect(config))
            let sender = connections[0]
            for _ in 0..<listeners {
                let connection = try await Connection.connect(config)
                connections.append(connection)
                try await connection.listen("hotload_bench_fanout")
                let reader: NodeSession?
                if channel != nil {
                    let readerConnection = try await Connection.connect(config)
                    readers.append(readerConnection)
                    try await NodeSession.settle(readerConnection)
                    reader = NodeSession(readerConnection)
                } else {
                    reader = nil
                }
                receivers.append(Task {
                    while !Task.isCancelled {
                        guard let notes = try? await connection.waitForNotifications(timeout: .seconds(10)) else { return }
                        if let reader, let channel {
                            _ = try? await reader.readTarget(channel: channel, node: "bench-floor", known: [], have: [])
                        }
                        let now = ContinuousClock.now
                        for note in notes { if let round = Int64(note.payload) { arrivals.record(round, at: now) } }
                    }
                })
            }
            var results: [Double] = []
            // Round 0 warms up (the readers prepare their statement) and is not counted.
            for round in 0...rounds {
                // Let every receiver get back into its wait before sending.
                try await Task.sleep(for: .milliseconds(20))
                let sent = ContinuousClock.now
                try await sender.execute("SELECT pg_notify('hotload_bench_fanout', $1)", [.text("\(round)")])
                let arrived: [ContinuousClock.Instant]
                do {
                    arrived = try await arrivals.waitFor(Int64(round), count: listeners, timeout: .seconds(10))
                } catch let shortfall as Arrivals.Shortfall {
                    throw Failure(description: "a NOTIFY reached only \(shortfall.seen) of \(listeners) listeners within 10 s")
                }
                if round > 0 { results += arrived.map { BenchMeasurement.milliseconds($0 - sent) } }
            }
            await closeAll()
            return results
        } catch {
            await closeAll()
            throw error
        }
    }
}
