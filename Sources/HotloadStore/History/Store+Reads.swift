import Foundation
import PQ

extension Store {
    /// The head release of a channel, nil if the channel does not exist or has no release.
    public func head(channel: String = "main") async throws -> Int64? {
        try await run(needs: .reader) {
            try await Queries.head(connection, channel: channel)
        }
    }

    /// The complete module set of a release (module, version, sha256), sorted by module.
    public func manifest(release: Int64) async throws -> [ManifestEntry] {
        try await run(needs: .reader) {
            let channel = try await Queries.channel(connection, of: release)
            let state = try await Queries.state(connection, channel: channel, release: release)
            return state.values.sorted { $0.module < $1.module }
        }
    }

    /// The sources of exactly the given revisions, in the order asked (unknown keys are left out).
    public func revisions(_ keys: [ModuleVersion]) async throws -> [Revision] {
        try await run(needs: .reader) {
            try await Queries.revisions(connection, keys)
        }
    }

    /// The modules at the head of a channel, sorted by name (empty for an empty channel).
    public func modules(channel: String = "main") async throws -> [ModuleInfo] {
        try await run(needs: .reader) {
            let rows = try await connection.query("""
                SELECT m.module, m.version::bigint AS version, m.release, m.sha256,
                       octet_length(r.source)::bigint AS bytes, r.author, r.created_at
                FROM hotload.channel_modules m
                CROSS JOIN LATERAL (
                    SELECT r.source, r.author, r.created_at FROM hotload.revisions r
                    WHERE r.module = m.module AND r.version = m.version LIMIT 1) r
                WHERE m.channel = $1
                ORDER BY m.module
                """, [.text(channel)])
            return try rows.map { row in
                ModuleInfo(
                    module: try row.decode("module", as: String.self),
                    version: try row.decode("version", as: Int.self),
                    sha256: try row.decode("sha256", as: String.self),
                    bytes: try row.decode("bytes", as: Int.self),
                    release: try row.decode("release", as: Int64.self),
                    author: try row.decode("author", as: String.self),
                    createdAt: try row.decode("created_at", as: Date.self))
            }
        }
    }
}
