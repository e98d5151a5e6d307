#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A private PostgreSQL cluster in a directory of its own, reachable only from this machine.
///
/// Layout of `directory`: `data/` (the cluster), `server.log`, the Unix socket, and
/// `hotload-server.json` (port and URL, so another process can find the server again).
/// Authentication is `trust` on the Unix socket and on 127.0.0.1, which is the only address
/// the server listens on. As root, the cluster belongs to and runs as the `postgres` system
/// user, because PostgreSQL refuses to run as root.
package struct PrivateServer: Sendable, Equatable {
    /// The directory that holds everything of this server.
    package let directory: String
    /// The TCP port on 127.0.0.1.
    package let port: Int
    /// Where `initdb`, `pg_ctl` and `psql` are.
    let binDirectory: String

    /// The cluster's data directory (`PGDATA`).
    package var dataDirectory: String { directory + "/data" }
    /// The server's log file.
    package var logFile: String { directory + "/server.log" }
    /// The URL of the `postgres` database as the `postgres` superuser.
    package var url: String { url(database: "postgres") }

    /// The URL of `database` on this server as `user`, by default the `postgres` superuser
    /// (no password: trust).
    package func url(database: String, user: String = "postgres") -> String {
        "postgresql://\(Self.percentEncoded(user))@127.0.0.1:\(port)/\(Self.percentEncoded(database))"
    }

    /// The directory of the server's Unix socket: its own directory, when that path is short
    /// enough for a socket path (about 100 bytes); nil otherwise (TCP still works).
    package var socketDirectory: String? { directory.utf8.count + 20 < 100 ? directory : nil }

    /// The URL of `database` through the server's Unix socket, when it has one. Clients on
    /// this machine spend less CPU per round trip on it than on TCP over loopback.
    package func socketURL(database: String) -> String? {
        guard let socketDirectory else { return nil }
        return "postgresql://postgres@\(Self.percentEncoded(socketDirectory)):\(port)/\(Self.percentEncoded(database))"
    }

    /// `text` as a URL component (only unreserved characters kept).
    private static func percentEncoded(_ text: String) -> String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// Starts a private server and waits until it accepts connections.
    ///
    /// - Parameters:
    ///   - directory: where the server lives. `nil` makes a throwaway server in a fresh
    ///     `$TMPDIR/hotload-test-*` directory with durability switched off for speed. A given
    ///     directory is created when missing; when it already holds a cluster that cluster is
    ///     reused (and left running if it already is).
    ///   - port: the TCP port; `nil` reuses the directory's previous port, else picks a free one.
    package static func start(directory: String? = nil, port: Int? = nil) throws(HarnessError) -> PrivateServer {
        try startServer(directory: directory, port: port)
    }

    /// The server recorded in `directory` by an earlier `start`, running or not; `nil` when the
    /// directory holds no private server.
    package static func existing(directory: String) throws(HarnessError) -> PrivateServer? {
        let root = absolutePath(directory)
        guard let state = ServerState.read(from: root),
            FileManager.default.fileExists(atPath: root + "/data/PG_VERSION")
        else { return nil }
        return PrivateServer(directory: root, port: state.port, binDirectory: state.binDirectory)
    }

    /// A directory for `hotload dev up`: `HOTLOAD_DEV_DIRECTORY` when set; as root
    /// `/var/tmp/hotload-dev` (the `postgres` user must be able to reach it); else
    /// `$XDG_STATE_HOME/hotload/dev` or `~/.local/state/hotload/dev`.
    package static var defaultDevelopmentDirectory: String {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["HOTLOAD_DEV_DIRECTORY"], !explicit.isEmpty {
            return absolutePath(explicit)
        }
        if Command.isRoot { return "/var/tmp/hotload-dev" }
        if let state = environment["XDG_STATE_HOME"], !state.isEmpty {
            return state + "/hotload/dev"
        }
        return NSHomeDirectory() + "/.local/state/hotload/dev"
    }

    /// Whether the server's postmaster is alive.
    package var isRunning: Bool {
        guard let pid = postmasterProcess() else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    /// Stops the server (fast shutdown: open sessions are terminated). Does nothing when it is
    /// not running.
    package func stop() throws(HarnessError) {
        guard isRunning else { return }
        try pgCtl(["-D", dataDirectory, "-m", "fast", "-w", "-t", "60", "-s", "stop"])
    }

    /// Stops the server abruptly, as a crash would (no shutdown checkpoint). For fault tests.
    package func stopImmediately() throws(HarnessError) {
        guard isRunning else { return }
        try pgCtl(["-D", dataDirectory, "-m", "immediate", "-w", "-t", "60", "-s", "stop"])
    }

    /// Restarts the server on the same port; every open session is terminated.
    package func restart() throws(HarnessError) {
        try stop()
        try launch()
    }

    /// Starts the server again after `stop()`; does nothing when it is running.
    package func ensureRunning() throws(HarnessError) {
        guard !isRunning else { return }
        try launch()
    }

    /// Stops the server and deletes its directory.
    package func remove() throws(HarnessError) {
        try stopImmediately()
        do { try FileManager.default.removeItem(atPath: directory) } catch { throw .invalidDirectory(path: directory, reason: "cannot delete it: \(error)") }
    }

    /// Creates an empty database `name` and returns its URL.
    package func createDatabase(_ name: String) throws(HarnessError) -> String {
        try Self.createDatabase(name, serverURL: url, psql: binDirectory + "/psql")
        return url(database: name)
    }

    /// Creates database `name` unless it exists (also when a concurrent caller creates it
    /// first) and returns its URL.
    package func ensureDatabase(_ name: String) throws(HarnessError) -> String {
        if try !databaseExists(name) {
            do throws(HarnessError) {
                _ = try createDatabase(name)
            } catch {
                guard try databaseExists(name) else { throw error }
            }
        }
        return url(database: name)
    }

    /// Creates login roles, each a member of its group roles (`CREATE ROLE login LOGIN IN
    /// ROLE group, ...`), in one `psql` run as the superuser; the group roles must exist. No
    /// password: the server trusts local connections, so connect with `url(database:user:)`.
    package func createLogins(_ logins: [(login: String, groups: [String])]) throws(HarnessError) {
        func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        let statements = logins.map { login in
            "CREATE ROLE \(quoted(login.login)) LOGIN"
                + (login.groups.isEmpty ? "" : " IN ROLE \(login.groups.map(quoted).joined(separator: ", "))") + ";"
        }.joined(separator: " ")
        let result = try Command.run(
            binDirectory + "/psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", statements],
            workingDirectory: "/")
        guard result.status == 0 else {
            throw .commandFailed(command: "psql -c \"\(statements)\"", status: result.status, output: result.output)
        }
    }

    /// Whether the server has a database `name`.
    private func databaseExists(_ name: String) throws(HarnessError) -> Bool {
        let literal = "'" + name.replacingOccurrences(of: "'", with: "''") + "'"
        let query = "SELECT 'exists' FROM pg_database WHERE datname = \(literal)"
        let result = try Command.run(
            binDirectory + "/psql", ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", query],
            workingDirectory: "/")
        guard result.status == 0 else {
            throw .commandFailed(command: "psql -c \"\(query)\"", status: result.status, output: result.output)
        }
        return result.output.split(whereSeparator: \.isNewline).contains("exists")
    }

    // MARK: - Starting

    private static func startServer(directory: String?, port requestedPort: Int?) throws(HarnessError)
        -> PrivateServer
    {
        let installation = try PostgresInstallation.find()
        let throwaway = directory == nil
        let root: String
        if let directory {
            root = absolutePath(directory)
        } else {
            root = try makeThrowawayDirectory()
        }
        try prepareDirectory(root)
        let previous = ServerState.read(from: root)
        let initialized = FileManager.default.fileExists(atPath: root + "/data/PG_VERSION")
        if !initialized {
            try initialize(root: root, installation: installation)
        }
        var port: Int
        if let known = requestedPort ?? previous?.port {
            port = known
        } else {
            port = try FreePort.find()
        }
        let binDirectory =
            initialized ? (previous?.binDirectory ?? installation.binDirectory) : installation.binDirectory
        var server = PrivateServer(directory: root, port: port, binDirectory: binDirectory)
        if server.isRunning {
            if previous?.port == port {
                return server
            }
            try server.stop()
        }
        // A port picked here may be taken by someone else before the server binds it.
        let attempts = requestedPort == nil ? 5 : 1
        for attempt in 1...attempts {
            server = PrivateServer(directory: root, port: port, binDirectory: binDirectory)
            try server.writeConfiguration(throwaway: throwaway)
            let state = ServerState(
                port: port, url: server.url, binDirectory: binDirectory,
                ownerProcess: throwaway ? getpid() : nil)
            try state.write(to: root)
            do {
                try server.launch()
                return server
            } catch HarnessError.startFailed(_, let log)
                where attempt < attempts && log.contains("could not bind")
            {
                port = try FreePort.find()
            }
        }
        throw .startFailed(directory: root, log: server.logTail())
    }

    /// Creates `$TMPDIR/hotload-test-XXXXXX`, falling back to /tmp when, as root, the
    /// `postgres` user could not reach `$TMPDIR`.
    private static func makeThrowawayDirectory() throws(HarnessError) -> String {
        var bases = [NSTemporaryDirectory()]
        if Command.isRoot { bases.append("/tmp/") }
        var lastError = HarnessError.invalidDirectory(path: bases[0], reason: "not usable")
        for base in bases {
            var template = Array((base.hasSuffix("/") ? base : base + "/").utf8CString.dropLast())
            template.append(contentsOf: Array("hotload-test-XXXXXX".utf8CString))
            let created = template.withUnsafeMutableBufferPointer { buffer -> String? in
                guard let pointer = buffer.baseAddress, mkdtemp(pointer) != nil else { return nil }
                return String(cString: pointer)
            }
            guard let path = created else {
                lastError = .system(operation: "mkdtemp in \(base)", errno: errno)
                continue
            }
            do {
                try prepareDirectory(path)
                return path
            } catch {
                lastError = error
                try? FileManager.default.removeItem(atPath: path)
            }
        }
        throw lastError
    }

    /// Creates the directory if needed and, as root, hands it to the `postgres` user.
    private static func prepareDirectory(_ root: String) throws(HarnessError) {
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        } catch {
            throw .invalidDirectory(path: root, reason: "cannot create it: \(error)")
        }
        guard Command.isRoot else { return }
        guard let account = getpwnam(Command.serverUser) else {
            throw .directoryNotAccessible(
                path: root,
                reason: "there is no `postgres` system user (install PostgreSQL: apt-get install postgresql)")
        }
        let uid = account.pointee.pw_uid
        let gid = account.pointee.pw_gid
        guard chown(root, uid, gid) == 0 else { throw .system(operation: "chown \(root)", errno: errno) }
        chmod(root, 0o700)
        for file in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] where file != "data" {
            chown(root + "/" + file, uid, gid)
        }
        let probe = try Command.runAsServerUser("/usr/bin/test", ["-w", root, "-a", "-x", root], workingDirectory: "/")
        guard probe.status == 0 else {
            throw .directoryNotAccessible(path: root, reason: "it is not writable by postgres")
        }
    }

    private static func initialize(root: String, installation: PostgresInstallation) throws(HarnessError) {
        let initdb = installation.tool("initdb")
        let arguments = [
            "-D", root + "/data", "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale",
            "--no-sync", "--no-instructions",
        ]
        let result = try Command.runAsServerUser(initdb, arguments, workingDirectory: root)
        try Command.check(result, initdb, arguments)
        let hba = """
            # Written by Hotload's PostgresHarness: only local connections, trusted.
            local all all trust
            host all all 127.0.0.1/32 trust

            """
        do {
            try hba.write(toFile: root + "/data/pg_hba.conf", atomically: false, encoding: .utf8)
            let configuration = root + "/data/postgresql.conf"
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: configuration))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data("\ninclude_if_exists = 'hotload.conf'\n".utf8))
            try handle.close()
        } catch {
            throw .invalidDirectory(path: root, reason: "cannot write the server configuration: \(error)")
        }
    }

    // MARK: - Running

    /// Writes `data/hotload.conf`: address, port, socket, capacity and (for throwaway
    /// servers) durability off.
    private func writeConfiguration(throwaway: Bool) throws(HarnessError) {
        var lines = [
            "# Written by Hotload's PostgresHarness on every start; edits are overwritten.",
            "listen_addresses = '127.0.0.1'",
            "port = \(port)",
            "unix_socket_directories = '\((socketDirectory ?? "").replacingOccurrences(of: "'", with: "''"))'",
            "max_connections = 1000",
            "shared_buffers = 128MB",
            "dynamic_shared_memory_type = mmap",
            "lc_messages = 'C'",
            "timezone = 'UTC'",
            "datestyle = 'iso, ymd'",
            "log_min_messages = warning",
            "log_min_error_statement = panic",
            "max_wal_size = 1GB",
        ]
        if throwaway {
            lines += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
        }
        let text = lines.joined(separator: "\n") + "\n"
        do {
            try text.write(toFile: dataDirectory + "/hotload.conf", atomically: false, encoding: .utf8)
        } catch {
            throw .invalidDirectory(path: directory, reason: "cannot write hotload.conf: \(error)")
        }
        if Command.isRoot, let account = getpwnam(Command.serverUser) {
            chown(dataDirectory + "/hotload.conf", account.pointee.pw_uid, account.pointee.pw_gid)
        }
    }

    private func launch() throws(HarnessError) {
        let pgCtl = binDirectory + "/pg_ctl"
        let arguments = ["-D", dataDirectory, "-l", logFile, "-w", "-t", "60", "-s", "start"]
        let result = try Command.runAsServerUser(pgCtl, arguments, workingDirectory: directory)
        guard result.status == 0 else {
            throw .startFailed(directory: directory, log: result.output + logTail())
        }
    }

    @discardableResult
    private func pgCtl(_ arguments: [String]) throws(HarnessError) -> Command.Result {
        let pgCtl = binDirectory + "/pg_ctl"
        let result = try Command.runAsServerUser(pgCtl, arguments, workingDirectory: directory)
        return try Command.check(result, pgCtl, arguments)
    }

    /// The last lines of the server log, for error messages.
    func logTail(lines count: Int = 30) -> String {
        guard let text = try? String(contentsOfFile: logFile, encoding: .utf8) else { return "(no log)" }
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(count)
            .joined(separator: "\n")
    }

    /// The postmaster's process id from `data/postmaster.pid`.
    func postmasterProcess() -> pid_t? {
        guard let text = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8),
            let first = text.split(separator: "\n").first,
            let pid = pid_t(first.trimmingCharacters(in: .whitespaces)), pid > 0
        else { return nil }
        return pid
    }

    // MARK: - Helpers

    static func absolutePath(_ path: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        let absolute =
            expanded.hasPrefix("/") ? expanded : FileManager.default.currentDirectoryPath + "/" + expanded
        return URL(fileURLWithPath: absolute).standardizedFileURL.path
    }

    /// Runs `CREATE DATABASE` through `psql` on the server at `serverURL`.
    static func createDatabase(_ name: String, serverURL: String, psql: String) throws(HarnessError) {
        let quoted = "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        let arguments = [
            "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", serverURL, "-c", "CREATE DATABASE \(quoted)",
        ]
        let result = try Command.run(psql, arguments, workingDirectory: "/")
        guard result.status == 0 else {
            throw .commandFailed(
                command: "psql -c 'CREATE DATABASE \(quoted)'", status: result.status, output: result.output)
        }
    }
}
