import ArgumentParser
import HotloadStore
import PostgresHarness
import PQ

/// `hotload dev up|down|status`: a private PostgreSQL for local work.
struct Dev: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "A private PostgreSQL for local work (the same mechanism the tests use).",
        subcommands: [Up.self, Down.self, Info.self])

    /// The database `hotload dev up` creates and migrates on the private server.
    static let databaseName = "hotload"

    struct DirectoryOption: ParsableArguments {
        @Option(help: "Where the server lives (default: $HOTLOAD_DEV_DIRECTORY, else a per-user state directory).")
        var directory: String?

        var resolved: String { directory ?? PrivateServer.defaultDevelopmentDirectory }
    }

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "up",
            abstract: "Start the server (creating it on first use), apply migrations, print the URL to export.")

        @OptionGroup var location: DirectoryOption
        @Option(help: "TCP port on 127.0.0.1 (default: the previous one, else a free one).")
        var port: Int?

        func run() async throws {
            try await reportingErrors {
                // Starting the server and psql wait for programs: on a thread of their own,
                // never on a cooperative thread.
                let directory = location.resolved, port = port
                let server = try await Harness.offload { () throws(HarnessError) -> PrivateServer in
                    try PrivateServer.start(directory: directory, port: port)
                }
                let url = try await Harness.offload { () throws(HarnessError) -> String in
                    try server.ensureDatabase(Dev.databaseName)
                }
                let applied = try await withStore(ConnectionConfiguration(url)) { store in try await store.migrate() }
                Output.line("PostgreSQL is running in \(server.directory) (port \(server.port))")
                if !applied.isEmpty { Output.line("applied \(applied.joined(separator: ", "))") }
                Output.line("export HOTLOAD_DATABASE_URL=\(url)")
            }
        }
    }

    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "down", abstract: "Stop the server (its data stays for the next `up`).")

        @OptionGroup var location: DirectoryOption

        func run() async throws {
            try await reportingErrors {
                guard let server = try PrivateServer.existing(directory: location.resolved) else {
                    Output.line("no private server in \(location.resolved)")
                    return
                }
                let wasRunning = server.isRunning
                try await Harness.offload { () throws(HarnessError) in try server.stop() }
                Output.line(wasRunning ? "stopped the server in \(server.directory)"
                                       : "the server in \(server.directory) was not running")
            }
        }
    }

    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status", abstract: "Say whether the server runs and print its URL (exit 1 if not running).")

        @OptionGroup var location: DirectoryOption

        func run() async throws {
            try await reportingErrors {
                guard let server = try PrivateServer.existing(directory: location.resolved) else {
                    Output.line("no private server in \(location.resolved); start one with `hotload dev up`")
                    throw ExitCode.failure
                }
                guard server.isRunning else {
                    Output.line("stopped: \(server.directory) (port \(server.port)); start it with `hotload dev up`")
                    throw ExitCode.failure
                }
                Output.line("running: \(server.directory) (port \(server.port))")
                Output.line("export HOTLOAD_DATABASE_URL=\(server.url(database: Dev.databaseName))")
            }
        }
    }
}
