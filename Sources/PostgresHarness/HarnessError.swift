#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Why a private PostgreSQL server could not be prepared, started or used.
///
/// Every case renders a message for people that names the fix.
package enum HarnessError: Error, Sendable, CustomStringConvertible {
    /// The PostgreSQL server programs (`initdb`, `pg_ctl`, `postgres`) were not found.
    case notInstalled(searched: [String])
    /// A command failed; `output` is its combined standard output and error.
    case commandFailed(command: String, status: Int32, output: String)
    /// The server did not start; `log` is the tail of its log file.
    case startFailed(directory: String, log: String)
    /// The `postgres` system user cannot use the directory (running as root).
    case directoryNotAccessible(path: String, reason: String)
    /// The directory exists but is not usable (for example it holds something else).
    case invalidDirectory(path: String, reason: String)
    /// A system call failed.
    case system(operation: String, errno: Int32)

    package var description: String {
        switch self {
        case .notInstalled(let searched):
            return "PostgreSQL server programs (initdb, pg_ctl) were not found (looked in "
                + searched.joined(separator: ", ")
                + "). Install PostgreSQL: apt-get install postgresql "
                + "(or set HOTLOAD_TEST_DATABASE_URL to an existing server)."
        case .commandFailed(let command, let status, let output):
            let trimmed = output.trimmingCharacters(in: .whitespacesAndNewlines)
            return "`\(command)` failed with exit status \(status)"
                + (trimmed.isEmpty ? "." : ":\n\(trimmed)")
        case .startFailed(let directory, let log):
            return "the private PostgreSQL server in \(directory) did not start. Server log:\n\(log)"
        case .directoryNotAccessible(let path, let reason):
            return "the postgres system user cannot use \(path): \(reason). "
                + "Every parent directory must be searchable by postgres; "
                + "choose a directory under /tmp or /var/tmp."
        case .invalidDirectory(let path, let reason):
            return "cannot use \(path) for a private PostgreSQL server: \(reason)"
        case .system(let operation, let code):
            return "\(operation) failed: \(String(cString: strerror(code)))"
        }
    }
}

extension HarnessError: LocalizedError {
    /// The same text as `description`, for code that prints `localizedDescription`.
    package var errorDescription: String? { description }
}
