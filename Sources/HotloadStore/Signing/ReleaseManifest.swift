import Crypto
import Foundation

/// What a release signature covers: the channel, the release and its parent, every module
/// at its version with its source hash, the author and the message. `canonicalBytes()` is
/// the one byte encoding that is signed (documented in this folder's README, pinned by
/// `docs/manifest-vectors.json`).
public struct ReleaseManifest: Sendable, Hashable {
    /// The domain string and version that start every encoding: a signature over a
    /// manifest can never be taken for a signature over anything else, or over another
    /// version of this encoding.
    public static let domain = "hotload-release-v1"

    public let channel: String
    public let release: Int
    /// The release this one follows on its channel; `nil` for a channel's first release.
    public let parent: Int?
    /// Every module of the release, sorted by name (UTF-8 byte order).
    public let modules: [ManifestEntry]
    public let author: String
    public let message: String

    /// Validates and sorts: ids and versions must be non-negative, names unique, every
    /// hash 64 hex digits (stored lowercase) and every string shorter than 4 GiB, so that
    /// the encoding is defined and unique.
    public init(channel: String, release: Int, parent: Int?, modules: [ManifestEntry],
                author: String, message: String) throws {
        guard release >= 0 else { throw SigningError.invalidManifest("release id \(release) is negative") }
        if let parent, parent < 0 { throw SigningError.invalidManifest("parent release id \(parent) is negative") }
        for (field, text) in [("channel", channel), ("author", author), ("message", message)] + modules.map({ ("module name", $0.module) })
        where text.utf8.count > UInt32.max {
            throw SigningError.invalidManifest("\(field) is longer than a 4-byte length can state")
        }
        var sorted = modules.sorted { Array($0.module.utf8).lexicographicallyPrecedes(Array($1.module.utf8)) }
        for index in sorted.indices {
            let entry = sorted[index]
            guard entry.version >= 0 else {
                throw SigningError.invalidManifest("module \(entry.module) has negative version \(entry.version)")
            }
            guard Self.hashBytes(entry.sha256) != nil else {
                throw SigningError.invalidManifest("module \(entry.module) has hash '\(entry.sha256)', not 64 hex digits")
            }
            if index > 0, sorted[index - 1].module == entry.module {
                throw SigningError.invalidManifest("module \(entry.module) appears twice")
            }
            sorted[index].sha256 = entry.sha256.lowercased()
        }
        self.channel = channel
        self.release = release
        self.parent = parent
        self.modules = sorted
        self.author = author
        self.message = message
    }

    /// The signed bytes: every string is a 4-byte big-endian length and its UTF-8 bytes,
    /// every integer 8 bytes big-endian; see the README for the exact layout.
    public func canonicalBytes() -> [UInt8] {
        var out = ByteWriter(capacity: 128 + modules.count * 80 + author.utf8.count + message.utf8.count)
        out.string(Self.domain)
        out.string(channel)
        out.integer(UInt64(release))
        if let parent {
            out.byte(1)
            out.integer(UInt64(parent))
        } else {
            out.byte(0)
        }
        out.length(modules.count)
        for entry in modules {
            out.string(entry.module)
            out.integer(UInt64(entry.version))
            // Validated in `init`.
            out.raw(Self.hashBytes(entry.sha256) ?? [])
        }
        out.string(author)
        out.string(message)
        return out.bytes
    }

    /// The manifest these bytes encode; nil unless they are exactly what
    /// `canonicalBytes()` writes for some manifest (the domain and version, sorted unique
    /// modules, nothing after the message).
    public init?(canonicalBytes bytes: [UInt8]) {
        var reader = ByteReader(bytes)
        guard reader.string() == Self.domain, let channel = reader.string(), let release = reader.integer(),
              let hasParent = reader.byte(), hasParent <= 1 else { return nil }
        var parent: Int?
        if hasParent == 1 {
            guard let value = reader.integer() else { return nil }
            parent = value
        }
        guard let count = reader.length(), count <= bytes.count / 44 else { return nil }
        var modules: [ManifestEntry] = []
        modules.reserveCapacity(count)
        for _ in 0..<count {
            guard let name = reader.string(), let version = reader.integer(), let hash = reader.take(32) else { return nil }
            modules.append(ManifestEntry(module: name, version: version, sha256: Hex.encode(Array(hash))))
        }
        guard let author = reader.string(), let message = reader.string(), reader.isAtEnd,
              let manifest = try? ReleaseManifest(channel: channel, release: release, parent: parent, modules: modules,
                                                  author: author, message: message),
              manifest.modules == modules
        else { return nil }
        self = manifest
    }

    /// The 32 bytes of a 64-digit hex SHA-256, or nil.
    static func hashBytes(_ hex: String) -> [UInt8]? {
        guard let bytes = Hex.decode(hex), bytes.count == SHA256.byteCount else { return nil }
        return bytes
    }
}
