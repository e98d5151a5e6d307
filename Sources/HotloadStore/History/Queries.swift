import Foundation
import PQ

/// The SQL shared by several operations, run on a connection the caller is isolated to
/// (inside or outside a transaction).
enum Queries {
    /// The module set of `channel` as of `release`. At the channel's head it is read from
    /// `channel_modules` (kept by a trigger); for older releases it is derived from history
    /// (`historyState`).
    static func state(_ conn: isolated Connection, channel: String, release: Int64)
        async throws -> [String: ManifestEntry]
    {
        // One statement, one snapshot: rows only if `release` is the head right now.
        let cached = try await conn.query("""
            SELECT m.module, m.version::bigint AS version, m.sha256
            FROM hotload.channels c
            LEFT JOIN hotload.channel_modules m ON m.channel = c.name
            WHERE c.name = $1 AND c.head = $2
            """, [.text(channel), .int(release)])
        if !cached.isEmpty {
            var state: [String: ManifestEntry] = [:]
            state.reserveCapacity(cached.count)
            for row in cached {
                guard let module = try row.decode("module", as: String?.self) else { continue }
                state[module] = ManifestEntry(module: module, version: try row.decode("version", as: Int.self),
                                              sha256: try row.decode("sha256", as: String.self))
            }
            return state
        }
        var state: [String: ManifestEntry] = [:]
        for entry in try await historyState(conn, channel: channel, release: release).modules {
            state[entry.module] = entry
        }
        return state
    }

    /// The version of one module on `channel` as of `release`, nil if absent or deleted.
    static func version(_ conn: isolated Connection, module: String, channel: String, release: Int64)
        async throws -> Int?
    {
        let rows = try await conn.query("""
            SELECT version::bigint AS version FROM hotload.release_changes
            WHERE channel = $1 AND module = $2 AND release <= $3
            ORDER BY release DESC LIMIT 1
            """, [.text(channel), .text(module), .int(release)])
        guard let row = rows.first else { return nil }
        return try row.decode("version", as: Int?.self)
    }

    /// The channel's head release, nil if the channel is missing or empty.
    static func head(_ conn: isolated Connection, channel: String) async throws -> Int64? {
        let rows = try await conn.query(
            "SELECT head FROM hotload.channels WHERE name = $1", [.text(channel)])
        guard let row = rows.first else { return nil }
        return try row.decode("head", as: Int64?.self)
    }

    /// The channel a release belongs to.
    static func channel(_ conn: isolated Connection, of release: Int64) async throws -> String {
        let rows = try await conn.query(
            "SELECT channel FROM hotload.releases WHERE id = $1", [.int(release)])
        guard let row = rows.first else { throw StoreError.unknownRelease(release) }
        return try row.decode("channel", as: String.self)
    }

    /// Revisions by key, in the order of `keys` (missing keys are left out).
    static func revisions(_ conn: isolated Connection, _ keys: [ModuleVersion]) async throws -> [Revision] {
        guard !keys.isEmpty else { return [] }
        let rows = try await conn.query("""
            SELECT r.module, r.version::bigint AS version, r.source, r.sha256, r.author, r.message,
                   r.created_at
            FROM unnest($1::text[], $2::bigint[]) AS k(module, version)
            JOIN hotload.revisions r ON r.module = k.module AND r.version = k.version
            """, [.textArray(keys.map(\.module)), .int64Array(keys.map { Int64($0.version) })])
        var byKey: [ModuleVersion: Revision] = [:]
        for row in rows {
            let revision = Revision(
                module: try row.decode("module", as: String.self),
                version: try row.decode("version", as: Int.self),
                source: try row.decode("source", as: String.self),
                sha256: try row.decode("sha256", as: String.self),
                author: try row.decode("author", as: String.self),
                message: try row.decode("message", as: String.self),
                createdAt: try row.decode("created_at", as: Date.self))
            byKey[revision.key] = revision
        }
        return keys.compactMap { byKey[$0] }
    }

    /// The newest version number of a module, nil if the module does not exist.
    static func latestVersion(_ conn: isolated Connection, module: String) async throws -> Int? {
        let rows = try await conn.query(
            "SELECT latest_version::bigint AS v FROM hotload.modules WHERE name = $1", [.text(module)])
        guard let row = rows.first else { return nil }
        return try row.decode("v", as: Int.self)
    }
}
