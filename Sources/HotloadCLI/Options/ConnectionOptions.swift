import ArgumentParser
import Foundation
import HotloadStore
import PQ

/// `--database URL`, else `HOTLOAD_DATABASE_URL`, else libpq's own defaults (`PGHOST`, ...).
struct ConnectionOptions: ParsableArguments {
    @Option(name: .customLong("database"),
            help: "PostgreSQL URL or conninfo (default: $HOTLOAD_DATABASE_URL, else libpq's PG* defaults). Keep passwords out of it (command lines show in `ps`): use ~/.pgpass, PGPASSFILE or the environment.")
    var database: String?

    /// The connection string to use, nil for libpq's defaults.
    var resolved: String? {
        if let database, !database.isEmpty { return database }
        if let fromEnvironment = ProcessInfo.processInfo.environment["HOTLOAD_DATABASE_URL"],
           !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return nil
    }

    var configuration: ConnectionConfiguration {
        var configuration = ConnectionConfiguration(resolved)
        configuration.applicationName = "hotload"
        return configuration
    }

    /// Opens the store from these options, runs `body` with it and closes it, also when
    /// `body` throws.
    func withStore<T>(_ body: (Store) async throws -> T) async throws -> T {
        try await HotloadCLI.withStore(configuration, body)
    }
}

/// Opens the store at `configuration`, runs `body` with it and closes it, also when `body`
/// throws: the one way a command opens a store.
func withStore<T>(_ configuration: ConnectionConfiguration, _ body: (Store) async throws -> T) async throws -> T {
    let store = try await Store.connect(configuration)
    do {
        let result = try await body(store)
        await store.connection.close()
        return result
    } catch {
        await store.connection.close()
        throw error
    }
}

/// `--json`: machine-readable output.
struct JSONOutputOption: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON.")
    var json = false
}
