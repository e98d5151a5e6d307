#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// The PostgreSQL server that tests use.
///
/// `HOTLOAD_TEST_DATABASE_URL` when it is set; otherwise one private throwaway server per test
/// process, started on first use and removed when the process exits. Servers left behind by
/// crashed runs are removed by the next run.
package enum TestDatabase {
    /// The URL of the shared test server's `postgres` database (or `HOTLOAD_TEST_DATABASE_URL`).
    ///
    /// Thread-safe; the first call starts the server. When it cannot start, every call throws
    /// the same error, which says why.
    package static func shared() throws(HarnessError) -> String {
        if let external = externalURL { return external }
        return try registry.server().url
    }

    /// A new, empty, uniquely named database on the shared test server, for isolation between
    /// tests and suites running in parallel. Returns its URL.
    package static func fresh() throws(HarnessError) -> String {
        let name = registry.nextDatabaseName()
        if let external = externalURL {
            let psql = (try? PostgresInstallation.find().tool("psql")) ?? "/usr/bin/psql"
            try PrivateServer.createDatabase(name, serverURL: external, psql: psql)
            return ConnectionString.replacingDatabase(in: external, with: name)
        }
        return try registry.server().createDatabase(name)
    }

    private static var externalURL: String? {
        guard let value = ProcessInfo.processInfo.environment["HOTLOAD_TEST_DATABASE_URL"],
            !value.isEmpty
        else { return nil }
        return value
    }

    private static let registry = Registry()
}

/// The per-process test server, created once under a lock (callers wait while it starts).
private final class Registry: Sendable {
    private let outcome = Mutex<Result<PrivateServer, HarnessError>?>(nil)
    private let counter = Atomic<Int>(0)
    private let runToken = String(UInt32.random(in: 0...UInt32.max), radix: 36)

    func server() throws(HarnessError) -> PrivateServer {
        let result = outcome.withLock { outcome in
            if let outcome { return outcome }
            StaleServers.remove()
            let result: Result<PrivateServer, HarnessError>
            do throws(HarnessError) {
                let server = try PrivateServer.start()
                ShutdownHook.register(server)
                result = .success(server)
            } catch {
                result = .failure(error)
            }
            outcome = result
            return result
        }
        return try result.get()
    }

    func nextDatabaseName() -> String {
        let number = counter.wrappingAdd(1, ordering: .relaxed).newValue
        return "hotload_test_\(getpid())_\(runToken)_\(number)"
    }
}

/// Removes the shared server when the test process exits normally.
private enum ShutdownHook {
    private static let state = HookState()

    static func register(_ server: PrivateServer) {
        state.set(server)
        atexit {
            ShutdownHook.state.take().map(StaleServers.terminateAndRemove)
        }
    }

    private final class HookState: Sendable {
        private let server = Mutex<PrivateServer?>(nil)

        func set(_ value: PrivateServer) {
            server.withLock { $0 = value }
        }

        func take() -> PrivateServer? {
            server.withLock { $0.take() }
        }
    }
}

/// Throwaway servers whose owning process is gone (a crashed or killed test run).
enum StaleServers {
    /// Stops and deletes every `hotload-test-*` server whose owner process no longer exists.
    static func remove() {
        var bases = [NSTemporaryDirectory()]
        if !bases.contains("/tmp/") && !bases.contains("/tmp") { bases.append("/tmp/") }
        for base in bases {
            let root = base.hasSuffix("/") ? base : base + "/"
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
            for entry in entries where entry.hasPrefix("hotload-test-") {
                let directory = root + entry
                if let state = ServerState.read(from: directory) {
                    guard let owner = state.ownerProcess, !processExists(owner) else { continue }
                    terminateAndRemove(
                        PrivateServer(directory: directory, port: state.port, binDirectory: state.binDirectory))
                } else if isOlderThanAnHour(directory) {
                    // Never got as far as recording its state: a run that died during initdb.
                    try? FileManager.default.removeItem(atPath: directory)
                }
            }
        }
    }

    /// Stops a server without running any program (safe at process exit) and deletes it.
    static func terminateAndRemove(_ server: PrivateServer) {
        if let pid = server.postmasterProcess(), processExists(pid) {
            // SIGQUIT is PostgreSQL's immediate shutdown.
            kill(pid, SIGQUIT)
            for _ in 0..<100 where processExists(pid) {
                usleep(20_000)
            }
        }
        try? FileManager.default.removeItem(atPath: server.directory)
    }

    private static func processExists(_ pid: pid_t) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    private static func isOlderThanAnHour(_ path: String) -> Bool {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let modified = attributes[.modificationDate] as? Date
        else { return false }
        return Date().timeIntervalSince(modified) > 3600
    }
}
