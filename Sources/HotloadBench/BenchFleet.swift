import Foundation
import HotloadNode
import HotloadStore
import Logging
import PQ
import Synchronization

extension PropagationBenchmark {
    /// N nodes in this process following one channel of their own on one database, with
    /// the store that commits to it and a recorder of every node's swaps. Shared by the
    /// release and the abort measurements.
    final class Fleet: Sendable {
        let database: String?
        let config: ConnectionConfiguration
        let store: Store
        let channel: String
        let nodes: [Node]
        let recorder = Recorder()
        private let tasks: Mutex<[Task<Void, any Error>]>
        /// The channel's head, which every node runs once `start` returns.
        let firstRelease: Int64
        /// Signs every release; the nodes trust it (nil: unsigned, nodes without trust).
        let signingKey: SigningKey?
        /// The module every release of the benchmark changes.
        static let module = "bench/propagation"

        private init(database: String?, config: ConnectionConfiguration, store: Store, channel: String, nodes: [Node],
                     firstRelease: Int64, signingKey: SigningKey?) {
            self.database = database
            self.config = config
            self.store = store
            self.channel = channel
            self.nodes = nodes
            self.firstRelease = firstRelease
            self.signingKey = signingKey
            self.tasks = Mutex([])
        }

        /// Migrates `database`, commits the channel's first release and starts `count` nodes,
        /// returning once every node runs it with LISTEN in place. With `pollInterval`, the
        /// nodes do not listen and only poll at that interval.
        static func start(database: String?, count: Int, heartbeatInterval: Duration, signingKey: SigningKey? = nil,
                          pollInterval: Duration? = nil, progress: @Sendable (String) -> Void) async throws -> Fleet {
            let config = ConnectionConfiguration(database)
            let store = try await Store.connect(config)
            do {
                _ = try await store.migrate()
                let maxConnections = try await store.connection.query("SELECT current_setting('max_connections')::int AS n")[0]
                    .decode("n", as: Int.self)
                // Two per listening node, one per polling node; the fan-out floor's listeners
                // connect once the fleet has stopped.
                let needed = count * (pollInterval == nil ? 2 : 1) + 10
                if needed > maxConnections {
                    throw Failure(description: "\(count) nodes need \(needed) connections but the server allows \(maxConnections) (max_connections)")
                }
                let channel = "bench-\(UInt32.random(in: 0...UInt32.max))"
                let first = try await store.publishTimed(channel: channel, module: module, source: source(1), parent: nil,
                                                         signingKey: signingKey).release
                let trust = try signingKey.map { NodeTrust.policy(try TrustPolicy(keys: [$0.publicKey], threshold: 1)) }
                var logger = Logger(label: "hotload.bench")
                logger.logLevel = .warning
                let nodes = (0..<count).map { index in
                    Node(configuration: NodeConfiguration(
                        database: database, channel: channel, name: "\(channel)-\(index)",
                        pollInterval: pollInterval ?? .seconds(600), heartbeatInterval: heartbeatInterval, trust: trust,
                        listensForNotifications: pollInterval == nil), logger: logger)
                }
                let fleet = Fleet(database: database, config: config, store: store, channel: channel, nodes: nodes,
                                  firstRelease: first, signingKey: signingKey)
                progress("starting \(count) nodes")
                fleet.tasks.withLock { tasks in
                    tasks = nodes.map { node in fleet.runTask(node) }
                }
                do {
                    try await fleet.recorder.waitFor(release: first, count: count, timeout: .seconds(120))
                    if pollInterval == nil { try await fleet.waitListening(timeout: .seconds(60)) }
                } catch {
                    await fleet.stop()
                    throw error
                }
                return fleet
            } catch {
                await store.connection.close()
                throw error
            }
        }

        private func runTask(_ node: Node) -> Task<Void, any Error> {
            let events = node.events
            let recorder = recorder
            let name = node.configuration.name
            return Task {
                try await withThrowingDiscardingTaskGroup { group in
                    group.addTask {
                        for await event in events {
                            if case .applied(let applied) = event {
                                recorder.record(node: name, release: applied.release, at: applied.at, sync: applied.duration)
                            }
                        }
                    }
                    try await node.run()
                    throw CancellationError()
                }
            }
        }

        /// Database connections the fleet's nodes hold (from `pg_stat_activity`).
        func connections() async throws -> Int {
            try await store.connection.query(
                "SELECT count(*)::bigint AS n FROM pg_stat_activity WHERE application_name LIKE 'hotload-node%' AND datname = current_database()")[0]
                .decode("n", as: Int.self)
        }

        /// Commits `count` releases one after the other, each once every node runs the
        /// previous one; returns commit → swap of every (node, release) in milliseconds and
        /// the new head. With `phase`, each commit waits a random part of it first: polling
        /// nodes swap at a poll tick, and without it every commit would come at the same
        /// point of the poll cycle.
        func publishReleases(_ count: Int, after head: Int64,
                             phase: Duration? = nil) async throws -> (samples: [Double], head: Int64) {
            var head = head
            var samples: [Double] = []
            samples.reserveCapacity(nodes.count * count)
            for _ in 0..<count {
                if let phase { try await Task.sleep(for: phase * Double.random(in: 0..<1)) }
                let (release, committedAt) = try await store.publishTimed(channel: channel, module: Self.module,
                                                                          source: Self.source(Int(head) + 1), parent: head,
                                                                          signingKey: signingKey)
                head = release
                let swaps = try await recorder.waitFor(release: release, count: nodes.count, timeout: .seconds(60))
                samples.append(contentsOf: swaps.map { BenchMeasurement.milliseconds($0 - committedAt) })
                try await settle()
            }
            return (samples, head)
        }

        /// What the fleet and the server counted so far.
        struct Counters {
            /// Target reads of every node.
            var reads: Int
            /// Releases applied from their notification, by every node.
            var fastPathApplies: Int
            /// Committed and rolled back transactions on the database, every session's.
            var transactions: Int
            /// Transactions `counters()` itself adds between two readings: its own query.
            static let ownTransactions = 1
        }

        /// The counters now. The server's figures are those its sessions reported: every
        /// session reports within a second of going idle, so this first waits that long.
        func counters() async throws -> Counters {
            try await Task.sleep(for: .milliseconds(1500))
            let transactions = try await store.connection.query("""
                SELECT (xact_commit + xact_rollback)::bigint AS n FROM pg_stat_database WHERE datname = current_database()
                """)[0].decode("n", as: Int.self)
            let statuses = nodes.map(\.status)
            return Counters(reads: statuses.reduce(0) { $0 + $1.headReads },
                            fastPathApplies: statuses.reduce(0) { $0 + $1.fastPathApplies }, transactions: transactions)
        }

        /// Lets the fleet's status writes (due within `statusWriteDelay` of a swap) settle,
        /// as between real pushes.
        func settle() async throws {
            try await Task.sleep(for: .milliseconds(Node.statusWriteDelay.upperBound + 50))
        }

        /// Stops every node and waits for them.
        func stop() async {
            let tasks = tasks.withLock { $0 }
            for task in tasks { task.cancel() }
            for task in tasks { _ = await task.result }
        }

        /// Closes the store's connection.
        func close() async {
            await store.connection.close()
        }

        /// The benchmark module's source at `version`: `version(i)` is `version` for `i` in
        /// 0...1; `failing` drops the second element, so that `version(1)` fails (at run
        /// time: the release still links).
        static func source(_ version: Int, failing: Bool = false) -> String {
            failing ? "fn version(i) = [\(version)][i]" : "fn version(i) = [\(version), \(version)][i]"
        }

        private func waitListening(timeout: Duration) async throws {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if nodes.allSatisfy({ $0.status.listening }) { return }
                try await Task.sleep(for: .milliseconds(10))
            }
            throw Failure(description: "not every node had LISTEN in place within \(timeout)")
        }
    }

    /// Swap instants per release and per node, and sync durations, filled from the nodes'
    /// apply events.
    final class Recorder: Sendable {
        let swaps = Arrivals()
        private let syncs = Mutex<[Double]>([])
        /// Each node's latest swap.
        private let latest = Mutex<[String: (release: Int64, at: ContinuousClock.Instant)]>([:])

        func record(node: String, release: Int64, at: ContinuousClock.Instant, sync: Duration) {
            swaps.record(release, at: at)
            latest.withLock { $0[node] = (release, at) }
            syncs.withLock { $0.append(BenchMeasurement.milliseconds(sync)) }
        }

        /// Every sync duration recorded, in milliseconds, sorted.
        var syncDurations: [Double] { syncs.withLock { $0 }.sorted() }

        /// The release each node swapped in last.
        func latestRelease(of node: String) -> Int64? { latest.withLock { $0[node]?.release } }

        @discardableResult
        func waitFor(release: Int64, count: Int, timeout: Duration) async throws -> [ContinuousClock.Instant] {
            do {
                return try await swaps.waitFor(release, count: count, timeout: timeout)
            } catch let shortfall as Arrivals.Shortfall {
                throw Failure(description: "only \(shortfall.seen) of \(count) nodes applied release \(release) within \(timeout)")
            }
        }

        /// The instants at which each of `nodes` swapped `release` in after `since`, once
        /// every one of them has.
        @discardableResult
        func waitFor(nodes: [String], release: Int64, since: ContinuousClock.Instant,
                     timeout: Duration) async throws -> [ContinuousClock.Instant] {
            let deadline = ContinuousClock.now + timeout
            while true {
                let swapped = latest.withLock { latest in
                    nodes.compactMap { node in latest[node].flatMap { $0.release == release && $0.at >= since ? $0.at : nil } }
                }
                if swapped.count == nodes.count { return swapped }
                guard ContinuousClock.now < deadline else {
                    throw Failure(description: "only \(swapped.count) of \(nodes.count) nodes applied release \(release) within \(timeout)")
                }
                try await Task.sleep(for: .milliseconds(1))
            }
        }
    }

    /// Instants at which something arrived (a swap, a notification), by key.
    final class Arrivals: Sendable {
        private let byKey = Mutex<[Int64: [ContinuousClock.Instant]]>([:])

        /// Fewer than the expected arrivals came in time.
        struct Shortfall: Error {
            var seen: Int
        }

        func record(_ key: Int64, at instant: ContinuousClock.Instant) {
            byKey.withLock { $0[key, default: []].append(instant) }
        }

        /// The instants of `key` once there are `count` of them.
        func waitFor(_ key: Int64, count: Int, timeout: Duration) async throws -> [ContinuousClock.Instant] {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                let seen = byKey.withLock { $0[key] ?? [] }
                if seen.count >= count { return seen }
                try await Task.sleep(for: .milliseconds(1))
            }
            throw Shortfall(seen: byKey.withLock { $0[key]?.count ?? 0 })
        }
    }
}
