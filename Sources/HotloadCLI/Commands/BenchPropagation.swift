import ArgumentParser
import Foundation
import HotloadBench
import Logging
import PostgresHarness

extension Bench {
    /// `hotload bench propagation`: commit → swap on a fleet of nodes.
    struct Propagation: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "propagation",
            abstract: "Measure how fast releases reach nodes.",
            discussion: """
            Starts N nodes on one database (--database, else $HOTLOAD_DATABASE_URL, else a private \
            server started for the run and reached through its Unix socket), commits K releases \
            and measures commit-to-swap on every node, next to the raw LISTEN/NOTIFY round trip on \
            the same server and the NOTIFY fan-out to N plain listeners (without and with one head \
            read each). Last line: `propagation nodes=N p50_ms=X p99_ms=Y notify_p50_ms=Z fanout_p50_ms=F \
            readback_p50_ms=G` (F: the fan-out to N plain listeners; G: the same with one head read each).

            With --sign, every release is signed and every node trusts the key: a release that fits \
            travels in its notification and nodes apply it without reading the tables (the line \
            before the last says how many reads and server transactions each node made per release).

            With --abort, the same fleet then follows R rollouts on its channel: each pushes a \
            candidate, steps it to half the nodes and aborts it once they serve it, timing abort \
            commit to swap back to stable on each canary; then a candidate whose calls fail runs \
            under the rollout controller ticked every --gate-interval until its gate aborts it, \
            timing the first failing evaluation to the abort. Nodes heartbeat every gate interval. \
            Last line: `propagation-abort nodes=N p50_ms=X p99_ms=Y gate_to_abort_ms=Z interval_ms=I`.

            With --no-listen, a fleet of N listening nodes and then one of N nodes that only poll \
            (`hotload node --no-listen`) per --poll-interval (default: 100 and 1000 ms) follow K \
            releases each, one fleet at a time. One line per fleet: `propagation-poll nodes=N \
            poll_ms=P p50_ms=X p99_ms=Y reads_per_node_s=R connections_per_node=C` (P is `listen` \
            for the listening fleet; R counts every target read, polls included).
            """)

        /// The fleet's size and the number of releases.
        struct Fleet: ParsableArguments {
            @Option(help: "Nodes to start (1 to 2000).")
            var nodes: Int = 10

            @Option(help: "Releases to commit (1 to 10000).")
            var releases: Int = 20

            @Flag(help: "Sign every release and give every node a trust policy with the key: small releases travel in their notification.")
            var sign = false

            func validate() throws {
                guard (1...2000).contains(nodes) else { throw ValidationError("--nodes must be between 1 and 2000") }
                guard (1...10_000).contains(releases) else {
                    throw ValidationError("--releases must be between 1 and 10000")
                }
            }
        }

        /// The abort mode and its sizes.
        struct Abort: ParsableArguments {
            @Flag(help: "Also measure aborts: abort commit to every canary on stable, first failing gate to abort.")
            var abort = false

            @Option(help: "With --abort: rollouts to abort (1 to 1000).")
            var rollouts: Int?

            @Option(help: "With --abort: seconds between two controller ticks (0.01 to 600).")
            var gateInterval: Double?

            func validate() throws {
                if !abort, rollouts != nil || gateInterval != nil {
                    throw ValidationError("--rollouts and --gate-interval go with --abort")
                }
                guard (1...1000).contains(rollouts ?? 10) else { throw ValidationError("--rollouts must be between 1 and 1000") }
                guard (0.01...600).contains(gateInterval ?? 1) else {
                    throw ValidationError("--gate-interval must be between 0.01 and 600 seconds")
                }
            }
        }

        /// The listener-less comparison.
        struct Polling: ParsableArguments {
            @Flag(help: "Compare listening nodes with nodes that only poll (`hotload node --no-listen`).")
            var noListen = false

            @Option(help: "With --no-listen: the polling nodes' interval in milliseconds (100 to 600000); repeat it for one fleet per interval (default: 100 and 1000).")
            var pollInterval: [Int] = []

            /// The intervals to measure.
            var intervals: [Duration] {
                (pollInterval.isEmpty ? [100, 1000] : pollInterval).map { .milliseconds($0) }
            }

            /// What does not combine with the other modes.
            func validate(with fleet: Fleet, _ abort: Abort) throws {
                if noListen, abort.abort || fleet.sign {
                    throw ValidationError("--no-listen does not go with --abort or --sign (a node that does not listen reads every release)")
                }
            }

            func validate() throws {
                if !noListen, !pollInterval.isEmpty { throw ValidationError("--poll-interval goes with --no-listen") }
                if let bad = pollInterval.first(where: { !(100...600_000).contains($0) }) {
                    throw ValidationError("--poll-interval must be between 100 and 600000 milliseconds, not \(bad)")
                }
            }
        }

        @OptionGroup var fleet: Fleet
        @OptionGroup var abort: Abort
        @OptionGroup var polling: Polling
        @OptionGroup var connection: ConnectionOptions

        func validate() throws {
            try polling.validate(with: fleet, abort)
        }

        func run() async throws {
            try await Self.run(fleet, abort, polling, connection)
        }

        static func run(_ fleet: Fleet, _ abort: Abort, _ polling: Polling, _ connection: ConnectionOptions) async throws {
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = .critical
                return handler
            }
            if let given = connection.resolved {
                try await measure(fleet, abort, polling, database: given)
                return
            }
            Output.line("starting a private PostgreSQL for the run")
            try await withThrowawayServer { server in
                let tcp = try await Harness.offload { () throws(HarnessError) -> String in
                    try server.createDatabase("hotload_propagation")
                }
                // Nodes on the database's machine talk to it through its Unix socket.
                let url = server.socketURL(database: "hotload_propagation") ?? tcp
                Output.line(url == tcp ? "connecting over TCP (the server has no Unix socket)" : "connecting through the server's Unix socket")
                try await measure(fleet, abort, polling, database: url)
            }
        }

        private static func measure(_ fleet: Fleet, _ abort: Abort, _ polling: Polling, database url: String) async throws {
            if polling.noListen {
                let results = try await PropagationBenchmark.runPolling(
                    database: url, nodes: fleet.nodes, releases: fleet.releases, pollIntervals: polling.intervals,
                    progress: { Output.line($0) })
                for result in results { Output.line(result.line) }
                return
            }
            guard abort.abort else {
                let result = try await PropagationBenchmark.run(database: url, nodes: fleet.nodes, releases: fleet.releases,
                                                                sign: fleet.sign, progress: { Output.line($0) })
                report(result)
                Output.line(result.line)
                return
            }
            let result = try await PropagationBenchmark.runAbort(
                database: url, nodes: fleet.nodes, releases: fleet.releases, rollouts: abort.rollouts ?? 10,
                gateInterval: .seconds(abort.gateInterval ?? 1), sign: fleet.sign, progress: { Output.line($0) })
            report(result.propagation)
            Output.line(result.propagation.line)
            let aborts = result.aborts
            let ms = PropagationBenchmark.Result.format
            Output.line("abort commit-to-stable over \(aborts.rollouts) rollouts x \(aborts.canaries) canaries: "
                + "p50 \(ms(aborts.p50)) ms, p99 \(ms(aborts.p99)) ms, max \(ms(aborts.max)) ms "
                + "(release propagation p99 \(ms(result.propagation.p99)) ms, "
                + "NOTIFY fan-out p99 \(ms(result.propagation.fanOutP99)) ms)")
            Output.line("first failing gate to abort commit: \(ms(aborts.gateToAbort)) ms "
                + "(\(aborts.failingEvaluations) failing evaluations, gate interval \(ms(aborts.gateInterval)) ms)")
            Output.line("canaries back on stable: \(aborts.canariesOnStable) of \(aborts.canariesTotal)")
            Output.line(result.line)
        }

        private static func report(_ result: PropagationBenchmark.Result) {
            let ms = PropagationBenchmark.Result.format
            Output.line("commit-to-swap max \(ms(result.max)) ms; node sync (wake-up to swap) p50 \(ms(result.syncP50)) ms; "
                + "\(String(format: "%.1f", result.connectionsPerNode)) database connections per node")
            Output.line("raw NOTIFY fan-out to \(result.nodes) plain listeners: p50 \(ms(result.fanOutP50)) ms, p99 \(ms(result.fanOutP99)) ms")
            Output.line("raw NOTIFY fan-out, each listener then reading the head once: p50 \(ms(result.fanOutReadP50)) ms, "
                + "p99 \(ms(result.fanOutReadP99)) ms")
            let figure = { (value: Double) in String(format: "%.2f", value) }
            Output.line("\(result.signed ? "signed" : "unsigned") releases, per node and release: "
                + "\(figure(result.readsPerNodeRelease)) target reads, "
                + "\(figure(result.serverTransactionsPerNodeRelease)) server transactions, "
                + "\(figure(result.fastPathShare)) applied from the notification")
        }
    }
}
