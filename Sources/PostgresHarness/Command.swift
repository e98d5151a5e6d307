#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Runs programs to completion, optionally as the `postgres` system user.
///
/// Output goes to a temporary file rather than a pipe, and a command inherits no other
/// descriptor: `pg_ctl start` leaves a server running, and a pipe inherited by it (ours, or
/// one another thread has open) could keep a reader waiting forever.
enum Command {
    struct Result: Sendable {
        var status: Int32
        var output: String
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's
    /// Glibc module does not import; nil on an older C library.
    private static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// Whether this process runs as root, in which case the server runs as `postgres`.
    static var isRoot: Bool { geteuid() == 0 }

    /// The system user that owns and runs private servers when this process is root.
    static let serverUser = "postgres"

    /// Runs `executable` with `arguments` and returns its exit status and combined output.
    ///
    /// Uses `posix_spawn` and `waitpid` directly: Foundation's `Process` can miss the exit of
    /// a child when several are started from different threads at once.
    static func run(
        _ executable: String, _ arguments: [String], workingDirectory: String? = nil
    ) throws(HarnessError) -> Result {
        let outputPath = NSTemporaryDirectory() + "/hotload-command-\(getpid())-\(UUID().uuidString).log"
        let outputDescriptor = open(outputPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard outputDescriptor >= 0 else { throw .system(operation: "creating \(outputPath)", errno: errno) }
        defer {
            close(outputDescriptor)
            unlink(outputPath)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outputDescriptor, 1)
        posix_spawn_file_actions_adddup2(&actions, outputDescriptor, 2)
        // Nothing else is inherited: `pg_ctl start` leaves a server running for the whole
        // test run, and a pipe another thread has open at this moment (a test reading a
        // child's output) would otherwise stay open in the server, its reader never seeing
        // the end (a hang seen in the suite).
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }
        // posix_spawn_file_actions_addchdir_np is not visible from Swift: change directory
        // through a tiny shell instead.
        var command = [executable] + arguments
        if let workingDirectory {
            command = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", workingDirectory] + command
        }
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        // Children start with no blocked signals and default handlers, whatever the calling
        // thread had: the server started by `pg_ctl` must react to pg_ctl's signals.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2] {
            sigaddset(&defaultSignals, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid = pid_t()
        let spawned = posix_spawn(&pid, command[0], &actions, &attributes, argv, environ)
        guard spawned == 0 else {
            throw .commandFailed(
                command: describe(executable, arguments), status: -1,
                output: String(cString: strerror(spawned)))
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw .system(operation: "waitpid", errno: errno) }
        }
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        // WIFEXITED / WEXITSTATUS are macros that Swift does not import.
        let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(status: exitStatus, output: text)
    }

    /// Runs a PostgreSQL program as the server's owner: directly when not root, else as the
    /// `postgres` system user (PostgreSQL refuses to run as root).
    static func runAsServerUser(
        _ executable: String, _ arguments: [String], workingDirectory: String
    ) throws(HarnessError) -> Result {
        guard isRoot else {
            return try run(executable, arguments, workingDirectory: workingDirectory)
        }
        if let runuser = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"]
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        {
            return try run(
                runuser, ["-u", serverUser, "--", executable] + arguments,
                workingDirectory: workingDirectory)
        }
        let line = ([executable] + arguments).map(shellQuoted).joined(separator: " ")
        return try run(
            "/bin/su", ["-s", "/bin/sh", serverUser, "-c", line], workingDirectory: workingDirectory)
    }

    /// Runs a command and throws with its output when it exits with a non-zero status.
    @discardableResult
    static func check(_ result: Result, _ executable: String, _ arguments: [String]) throws(HarnessError) -> Result {
        guard result.status == 0 else {
            throw .commandFailed(
                command: describe(executable, arguments), status: result.status, output: result.output)
        }
        return result
    }

    static func describe(_ executable: String, _ arguments: [String]) -> String {
        ([executable] + arguments).map(shellQuoted).joined(separator: " ")
    }

    /// Quotes a word for `/bin/sh`.
    static func shellQuoted(_ word: String) -> String {
        let safe = word.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || "-_./=:@%+,".unicodeScalars.contains($0)
        }
        if safe && !word.isEmpty { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
