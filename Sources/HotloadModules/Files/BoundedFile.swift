#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads a whole file given on a command line — a module, host declarations, a JSON input —
/// without trusting it: only a regular file (opened without blocking, so a FIFO or a device
/// is refused, never waited on or read forever) of at most `maxBytes` bytes.
package enum BoundedFile {
    /// Why a file could not be read; `message` completes "`path` ...".
    package struct Failure: Error, Sendable {
        package var path: String
        package var message: String
        /// The file's mode when it was refused for letting the group or others in
        /// (`privateOnly`), else nil.
        package var exposedMode: UInt32?

        package init(path: String, message: String, exposedMode: UInt32? = nil) {
            self.path = path
            self.message = message
            self.exposedMode = exposedMode
        }
    }

    /// The bytes of the regular file at `path`; refused when larger than `maxBytes`, saying
    /// that `kind` ("module files", "input files") are limited to it. `privateOnly` (for
    /// secrets, as ssh does with keys) refuses a symbolic link and, before a byte is read,
    /// a file the group or others may read or write. `ownerWritesOnly` (for files that need
    /// not be secret but must not be changed by others, such as a trust file) refuses,
    /// before a byte is read, a file the group or others may write, or that belongs to a
    /// user other than this process's or root.
    package static func bytes(at path: String, maxBytes: Int, kind: String,
                              privateOnly: Bool = false, ownerWritesOnly: Bool = false) throws(Failure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (privateOnly ? O_NOFOLLOW : 0))
        guard fd >= 0 else { throw Failure(path: path, message: "cannot read the file (\(systemMessage(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw Failure(path: path, message: systemMessage(errno)) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw Failure(path: path, message: "is not a regular file") }
        guard !privateOnly || info.st_mode & 0o077 == 0 else {
            throw Failure(path: path, message: "may be read or written by others", exposedMode: UInt32(info.st_mode))
        }
        guard !ownerWritesOnly || info.st_uid == geteuid() || info.st_uid == 0 else {
            throw Failure(path: path, message: "belongs to another user (uid \(info.st_uid)), who may write it")
        }
        guard !ownerWritesOnly || info.st_mode & 0o022 == 0 else {
            throw Failure(path: path, message: "may be written by group or others (mode \(String(info.st_mode & 0o777, radix: 8)))",
                          exposedMode: UInt32(info.st_mode))
        }
        guard info.st_size <= maxBytes else { throw Failure(path: path, message: "is \(info.st_size) bytes; \(kind) are limited to \(maxBytes)") }
        // One byte more than its size, to notice a file that grew since fstat.
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size) + 1)
        var count = 0
        while count < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, $0.count - count) }
            if n == 0 { break }
            guard n > 0 else {
                if errno == EINTR { continue }
                throw Failure(path: path, message: "cannot read the file (\(systemMessage(errno)))")
            }
            count += n
        }
        guard count < bytes.count else { throw Failure(path: path, message: "changed while it was read; try again") }
        bytes.removeLast()
        return bytes
    }

    /// The system's text for an `errno` value.
    package static func systemMessage(_ code: Int32) -> String {
        code == ENOENT ? "no such file or directory" : String(cString: strerror(code))
    }
}
