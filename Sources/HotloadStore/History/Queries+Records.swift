import Foundation
import PQ

extension Queries {
    /// The columns of `hotload.releases` (as `r`) that `releaseRecord(_:)` decodes.
    static let releaseColumns = "r.id, r.channel, r.parent, r.author, r.message, r.db_role, r.skipped_check, r.created_at"

    /// A release row selected with `releaseColumns`, without its changes and signatures.
    static func releaseRecord(_ row: Row) throws -> ReleaseRecord {
        ReleaseRecord(
            release: try row.decode("id", as: Int64.self),
            channel: try row.decode("channel", as: String.self),
            parent: try row.decode("parent", as: Int64?.self),
            author: try row.decode("author", as: String.self),
            message: try row.decode("message", as: String.self),
            databaseRole: try row.decode("db_role", as: String.self),
            skippedCheck: try row.decode("skipped_check", as: Bool.self),
            createdAt: try row.decode("created_at", as: Date.self),
            changes: [])
    }

    /// A `hotload.release_changes` row selected as `module, version::bigint AS version, action`.
    static func releaseChange(_ row: Row) throws -> ReleaseChange {
        ReleaseChange(module: try row.decode("module", as: String.self),
                      version: try row.decode("version", as: Int?.self),
                      action: ChangeAction(rawValue: try row.decode("action", as: String.self)) ?? .modify)
    }
}
