import Foundation

/// One module at one version, as listed in a release's manifest.
public struct ManifestEntry: Sendable, Hashable, Codable {
    /// The module name, e.g. `billing/pricing`.
    public var module: String
    /// The module's per-module version number.
    public var version: Int
    /// Lowercase hex SHA-256 of the source's UTF-8 bytes.
    public var sha256: String

    public init(module: String, version: Int, sha256: String) {
        self.module = module
        self.version = version
        self.sha256 = sha256
    }
}

/// A key naming one immutable revision.
public struct ModuleVersion: Sendable, Hashable, Codable {
    public var module: String
    public var version: Int

    public init(module: String, version: Int) {
        self.module = module
        self.version = version
    }
}

/// An immutable revision: the exact source of one version of a module.
public struct Revision: Sendable, Hashable {
    public var module: String
    public var version: Int
    /// The exact source text as pushed.
    public var source: String
    public var sha256: String
    public var author: String
    public var message: String
    public var createdAt: Date

    public init(module: String, version: Int, source: String, sha256: String,
                author: String, message: String, createdAt: Date) {
        self.module = module
        self.version = version
        self.source = source
        self.sha256 = sha256
        self.author = author
        self.message = message
        self.createdAt = createdAt
    }

    /// The key of this revision.
    public var key: ModuleVersion { ModuleVersion(module: module, version: version) }
}

/// What a release did to one module.
public enum ChangeAction: String, Sendable, Hashable, Codable {
    case add, modify, delete, rollback
}

/// One module change of a release; `version` is nil for a delete.
public struct ReleaseChange: Sendable, Hashable {
    public var module: String
    public var version: Int?
    public var action: ChangeAction

    public init(module: String, version: Int?, action: ChangeAction) {
        self.module = module
        self.version = version
        self.action = action
    }
}

/// A release with its changes, as shown by `hotload log`.
public struct ReleaseRecord: Sendable, Hashable {
    public var release: Int64
    public var channel: String
    public var parent: Int64?
    public var author: String
    public var message: String
    /// The database role that created the release (`current_user`).
    public var databaseRole: String
    /// True when the push skipped the compile check (`--skip-check`).
    public var skippedCheck: Bool
    public var createdAt: Date
    public var changes: [ReleaseChange]
    /// Who signed the release, sorted by key id; empty for an unsigned release. What the
    /// database says: `Store.verify` checks the signatures against a trust policy.
    public var signatures: [SignatureRecord]

    public init(release: Int64, channel: String, parent: Int64?, author: String, message: String,
                databaseRole: String, skippedCheck: Bool, createdAt: Date, changes: [ReleaseChange],
                signatures: [SignatureRecord] = []) {
        self.release = release
        self.channel = channel
        self.parent = parent
        self.author = author
        self.message = message
        self.databaseRole = databaseRole
        self.skippedCheck = skippedCheck
        self.createdAt = createdAt
        self.changes = changes
        self.signatures = signatures
    }
}

/// One signature stored with a release (`hotload.release_signatures`), as `log` and
/// `show --release` report it. Stored, not verified: `Store.verify` checks signatures.
public struct SignatureRecord: Sendable, Hashable {
    public var release: Int64
    /// Lowercase hex SHA-256 of the signer's public key.
    public var keyID: String
    /// The owner the key is registered to (`hotload.signing_keys`); nil when it is not registered.
    public var owner: String?
    /// The database role that stored the signature.
    public var databaseRole: String
    public var createdAt: Date

    public init(release: Int64, keyID: String, owner: String?, databaseRole: String, createdAt: Date) {
        self.release = release
        self.keyID = keyID
        self.owner = owner
        self.databaseRole = databaseRole
        self.createdAt = createdAt
    }
}

/// A release with its full module set (the manifest as the database has it) and its
/// stored signatures, as `hotload show --release` prints it.
public struct ReleaseDetail: Sendable, Hashable {
    /// The release, its changes and its signatures.
    public var record: ReleaseRecord
    /// Every module of the release, sorted by name: what its signatures cover.
    public var modules: [ManifestEntry]

    public init(record: ReleaseRecord, modules: [ManifestEntry]) {
        self.record = record
        self.modules = modules
    }
}

/// A module of a channel's head, as listed by `hotload modules`.
public struct ModuleInfo: Sendable, Hashable {
    public var module: String
    public var version: Int
    public var sha256: String
    /// Size of the source in UTF-8 bytes.
    public var bytes: Int
    /// The release that last changed the module on this channel.
    public var release: Int64
    public var author: String
    public var createdAt: Date

    public init(module: String, version: Int, sha256: String, bytes: Int, release: Int64,
                author: String, createdAt: Date) {
        self.module = module
        self.version = version
        self.sha256 = sha256
        self.bytes = bytes
        self.release = release
        self.author = author
        self.createdAt = createdAt
    }
}
