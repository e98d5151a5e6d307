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
            read each). Last line: `propagation nodes=N p50_ms=X p99_ms=Y notify_p50_ms=Z`.
            """)

        /// The fleet's size and the number of releases.
        struct Fleet: ParsableArguments {
            @Option(help: "Nodes to start (1 to 2000).")
            var nodes: Int = 10

            @Option(help: "Releases to commit (1 to 10000).")
            var releases: Int = 20

            func validate() throws {
                guard (1...2000).contains(nodes) else { throw ValidationError("--nodes must be between 1 and 2000") }
                guard (1...10_000).contains(releases) else {
                    throw ValidationError("--releases must be between 1 and 10000")
                }
            }
        }

        @OptionGroup var fleet: Fleet
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await Self.run(fleet, connection)
        }

        static func run(_ fleet: Fleet, _ connection: ConnectionOptions) async throws {
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = .critical
                return handler
            }
            if let given = connection.resolved {
                try await measure(fleet, database: given)
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
                try await measure(fleet, database: url)
            }
        }

        private static func measure(_ fleet: Fleet, database url: String) async throws {
            let result = try await PropagationBenchmark.run(database: url, nodes: fleet.nodes, releases: fleet.releases,
                                                            progress: { Output.line($0) })
            let ms = PropagationBenchmark.Result.format
            Output.line("commit-to-swap max \(ms(result.max)) ms; node sync (wake-up to swap) p50 \(ms(result.syncP50)) ms; "
                + "\(String(format: "%.1f", result.connectionsPerNode)) database connections per node")
            Output.line("raw NOTIFY fan-out to \(result.nodes) plain listeners: p50 \(ms(result.fanOutP50)) ms, p99 \(ms(result.fanOutP99)) ms")
            Output.line("raw NOTIFY fan-out, each listener then reading the head once: p50 \(ms(result.fanOutReadP50)) ms, "
                + "p99 \(ms(result.fanOutReadP99)) ms")
            Output.line(result.line)
        }
    }
}
