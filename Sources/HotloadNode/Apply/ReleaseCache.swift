import Foundation
import HotloadStore

/// The last good release of a channel on disk, for starting while the database is
/// unreachable. One JSON file per channel (`CHANNEL.release.json`), replaced atomically
/// after every apply, plus `database.json` naming the database the files came from.
///
/// What is enforced here:
/// - the directory is created 0700 and files are written 0600 (a temporary file opened
///   0600, then renamed); a directory or file that group or others may write, or that
///   another user owns, is refused on load;
/// - every module's source must hash (SHA-256) to the hash recorded with its version, and
///   names, versions and hashes must be well formed, or the whole file is refused;
/// - `adopt(_:)` (run on every connection to the database) removes the release files when
///   they were written for another database (system identifier or database name differ).
///
/// The file keeps the release's parent, author, message and signatures too: a node with a
/// trust policy serves a cached release only when they verify (`Node.verify`, as for a
/// release read from the database); an unsigned or unverifiable one is refused with a log
/// line. A cached release is only served marked stale; the node confirms it with the
/// database (re-reading every source) as soon as it can connect.
struct ReleaseCache: Sendable {
    struct Module: Codable, Sendable {
        var module: String
        var version: Int
        var sha256: String
        var source: String
    }

    struct Contents: Codable, Sendable {
        var release: Int64
        var channel: String
        var modules: [Module]
        /// What the signatures cover besides the modules, and the signatures (absent in
        /// files written before signing existed: such a release counts as unsigned).
        var parent: Int64?
        var author: String?
        var message: String?
        var signatures: [ReleaseSignature]?

        /// The release's provenance, nil when the file has none.
        var provenance: ReleaseProvenance? {
            guard let author, let message else { return nil }
            return ReleaseProvenance(parent: parent, author: author, message: message, signatures: signatures ?? [])
        }
    }

    /// Which database the cached releases came from.
    struct DatabaseIdentity: Codable, Sendable, Hashable {
        /// `pg_control_system().system_identifier`; nil when the role may not read it.
        var systemIdentifier: String?
        /// `current_database()`.
        var name: String
    }

    /// Why a cache was refused.
    struct Refusal: Error, CustomStringConvertible {
        var description: String
    }

    let directory: String

    private var root: URL { URL(fileURLWithPath: directory, isDirectory: true) }

    private func file(channel: String) -> URL {
        root.appendingPathComponent("\(channel).release.json")
    }

    private var identityFile: URL { root.appendingPathComponent("database.json") }

    /// Stores `release` (creating the directory if needed).
    func save(_ release: LoadedRelease) throws {
        let modules = release.entries.values.sorted { $0.module < $1.module }.compactMap { entry -> Module? in
            guard let source = release.sources[entry.module] else { return nil }
            return Module(module: entry.module, version: entry.version, sha256: entry.sha256, source: source.text)
        }
        let provenance = release.provenance
        let contents = Contents(release: release.release, channel: release.channel, modules: modules,
                                parent: provenance?.parent, author: provenance?.author, message: provenance?.message,
                                signatures: provenance?.signatures)
        try write(JSONEncoder().encode(contents), to: file(channel: release.channel))
    }

    /// The cached release of `channel`, nil when there is none; throws when the file is not
    /// safe to serve (permissions, malformed, a source that does not match its hash).
    func load(channel: String) throws -> Contents? {
        let url = file(channel: channel)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        try checkPrivate(directory, what: "the cache directory", followLinks: true)
        try checkPrivate(url.path, what: "the cache file", followLinks: false)
        let contents: Contents
        do {
            contents = try JSONDecoder().decode(Contents.self, from: Data(contentsOf: url))
        } catch {
            throw Refusal(description: "\(url.path) is not a release cache file")
        }
        guard contents.channel == channel else { return nil }
        var seen = Set<String>()
        for module in contents.modules {
            guard seen.insert(module.module).inserted, module.version > 0,
                  module.sha256.utf8.count == 64, module.sha256.utf8.allSatisfy({ isHexDigit($0) })
            else {
                throw Refusal(description: "\(url.path): the entry for module '\(module.module)' is malformed")
            }
            guard SHA256Hex.of(module.source) == module.sha256 else {
                throw Refusal(description: "\(url.path): the source of module '\(module.module)' version \(module.version) does not match its SHA-256")
            }
        }
        return contents
    }

    /// Records that the cache now follows `identity`; when the files were written for
    /// another database (or for an unknown one), removes every cached release first.
    /// - Returns: true when cached releases were removed.
    @discardableResult
    func adopt(_ identity: DatabaseIdentity) throws -> Bool {
        let previous = try? JSONDecoder().decode(DatabaseIdentity.self, from: Data(contentsOf: identityFile))
        if let previous, Self.same(previous, identity) { return false }
        var removed = false
        if let names = try? FileManager.default.contentsOfDirectory(atPath: directory) {
            for name in names where name.hasSuffix(".release.json") {
                try FileManager.default.removeItem(at: root.appendingPathComponent(name))
                removed = true
            }
        }
        try write(JSONEncoder().encode(identity), to: identityFile)
        return removed
    }

    /// Same database: same name, and the same system identifier when both are known.
    static func same(_ a: DatabaseIdentity, _ b: DatabaseIdentity) -> Bool {
        guard a.name == b.name else { return false }
        if let x = a.systemIdentifier, let y = b.systemIdentifier { return x == y }
        return true
    }

    /// Writes `data` to `url` atomically with mode 0600, in the 0700 directory.
    private func write(_ data: Data, to url: URL) throws {
        try makeDirectory()
        let temporary = root.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Refusal(description: "cannot create \(temporary.path): \(String(cString: strerror(errno)))") }
        let ok = Self.writeAll(fd, Array(data)) && fsync(fd) == 0
        close(fd)
        guard ok, rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            throw Refusal(description: "cannot write \(url.path): \(reason)")
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno != EINTR { return false }
            offset += max(written, 0)
        }
        return true
    }

    /// Creates the directory 0700, or narrows an existing one of ours to 0700.
    private func makeDirectory() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        var info = stat()
        guard stat(directory, &info) == 0 else { throw Refusal(description: "cannot inspect \(directory)") }
        guard info.st_uid == geteuid() else {
            throw Refusal(description: "the cache directory \(directory) belongs to another user")
        }
        if info.st_mode & 0o077 != 0, chmod(directory, 0o700) != 0 {
            throw Refusal(description: "cannot make \(directory) private (mode 0700)")
        }
    }

    /// Refuses a path another user owns or that group or others may write (a symbolic link
    /// too, unless `followLinks`).
    private func checkPrivate(_ path: String, what: String, followLinks: Bool) throws {
        var info = stat()
        guard (followLinks ? stat(path, &info) : lstat(path, &info)) == 0 else { throw Refusal(description: "cannot inspect \(what) \(path)") }
        guard info.st_uid == geteuid() else { throw Refusal(description: "\(what) \(path) belongs to another user") }
        guard info.st_mode & 0o022 == 0 else {
            throw Refusal(description: "\(what) \(path) is writable by group or others (mode \(String(info.st_mode & 0o777, radix: 8)))")
        }
    }

    private func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
    }
}
