import Foundation
import PQ

/// A release as the database has it: its row and its full module set derived from the
/// change history. The one reading of "the manifest of release R" that signing pushes,
/// `verify` and `show --release` all use.
struct StoredRelease: Sendable {
    var release: Int64
    var channel: String
    var parent: Int64?
    var author: String
    var message: String
    /// Every module of the release whose revision exists, with the revision's stored hash.
    var modules: [ManifestEntry]
    /// Modules whose version at the release has no revision row (only a database written
    /// around its constraints has these).
    var missing: [ModuleVersion]

    /// The manifest a signature over this release covers.
    func manifest() throws -> ReleaseManifest {
        try ReleaseManifest(channel: channel, release: Int(release), parent: parent.map { Int($0) },
                            modules: modules, author: author, message: message)
    }
}

extension Queries {
    /// The release's row and its module set (`historyState`): never from the
    /// `channel_modules` cache, which a trigger keeps and a writer with triggers disabled
    /// would leave stale.
    static func storedRelease(_ conn: isolated Connection, release: Int64) async throws -> StoredRelease {
        let rows = try await conn.query(
            "SELECT id, channel, parent, author, message FROM hotload.releases WHERE id = $1", [.int(release)])
        guard let row = rows.first else { throw StoreError.unknownRelease(release) }
        let channel = try row.decode("channel", as: String.self)
        let state = try await historyState(conn, channel: channel, release: release)
        return StoredRelease(
            release: release, channel: channel, parent: try row.decode("parent", as: Int64?.self),
            author: try row.decode("author", as: String.self), message: try row.decode("message", as: String.self),
            modules: state.modules, missing: state.missing)
    }

    /// The module set of `channel` as of `release`, derived from `release_changes` and
    /// `revisions` alone: for each module that changed on the channel up to the release
    /// (found by a skip scan of the `(channel, module, release)` index: one probe per
    /// module, independent of how long the history is), its newest change at or before
    /// the release; deletes drop it. `missing` lists versions without a revision row
    /// (only a database written around its constraints has them). Sorted by name.
    static func historyState(_ conn: isolated Connection, channel: String, release: Int64)
        async throws -> (modules: [ManifestEntry], missing: [ModuleVersion])
    {
        let rows = try await conn.query("""
            WITH RECURSIVE names(module) AS (
                (SELECT rc.module FROM hotload.release_changes rc
                 WHERE rc.channel = $1 AND rc.release <= $2 ORDER BY rc.module LIMIT 1)
                UNION ALL
                SELECT (SELECT rc.module FROM hotload.release_changes rc
                        WHERE rc.channel = $1 AND rc.release <= $2 AND rc.module > n.module
                        ORDER BY rc.module LIMIT 1)
                FROM names n WHERE n.module IS NOT NULL)
            SELECT n.module, c.version::bigint AS version, r.sha256
            FROM names n
            CROSS JOIN LATERAL (
                SELECT rc.version FROM hotload.release_changes rc
                WHERE rc.channel = $1 AND rc.module = n.module AND rc.release <= $2
                ORDER BY rc.release DESC LIMIT 1) c
            LEFT JOIN hotload.revisions r ON r.module = n.module AND r.version = c.version
            WHERE n.module IS NOT NULL AND c.version IS NOT NULL
            ORDER BY n.module
            """, [.text(channel), .int(release)])
        var modules: [ManifestEntry] = []
        var missing: [ModuleVersion] = []
        modules.reserveCapacity(rows.count)
        for row in rows {
            let module = try row.decode("module", as: String.self)
            let version = try row.decode("version", as: Int.self)
            if let sha256 = try row.decode("sha256", as: String?.self) {
                modules.append(ManifestEntry(module: module, version: version, sha256: sha256))
            } else {
                missing.append(ModuleVersion(module: module, version: version))
            }
        }
        return (modules, missing)
    }

    /// The manifest of `release` as the database has it (`storedRelease`); a module
    /// without its revision is an error, not a smaller manifest.
    static func manifest(_ conn: isolated Connection, release: Int64) async throws -> ReleaseManifest {
        let stored = try await storedRelease(conn, release: release)
        if let missing = stored.missing.first {
            throw StoreError.invalidRequest(
                "release \(release) lists module \(missing.module) v\(missing.version), which has no revision: "
                + "the history was written around its constraints")
        }
        return try stored.manifest()
    }

    /// The signatures stored with each of `releases` (key ids and signature bytes), by release.
    static func signatures(_ conn: isolated Connection, releases: [Int64]) async throws -> [Int64: [ReleaseSignature]] {
        guard !releases.isEmpty else { return [:] }
        let rows = try await conn.query("""
            SELECT release, key_id, encode(signature, 'hex') AS signature FROM hotload.release_signatures
            WHERE release = ANY($1::bigint[]) ORDER BY release, key_id
            """, [.int64Array(releases)])
        var byRelease: [Int64: [ReleaseSignature]] = [:]
        for row in rows {
            byRelease[try row.decode("release", as: Int64.self), default: []].append(ReleaseSignature(
                keyID: try row.decode("key_id", as: String.self),
                signature: Hex.decode(try row.decode("signature", as: String.self)) ?? []))
        }
        return byRelease
    }

    /// Who signed each of `releases` (key id, registered owner, role, time), by release.
    static func signatureRecords(_ conn: isolated Connection, releases: [Int64]) async throws -> [Int64: [SignatureRecord]] {
        guard !releases.isEmpty else { return [:] }
        let rows = try await conn.query("""
            SELECT s.release, s.key_id, k.owner, s.db_role, s.created_at
            FROM hotload.release_signatures s LEFT JOIN hotload.signing_keys k ON k.key_id = s.key_id
            WHERE s.release = ANY($1::bigint[]) ORDER BY s.release, s.key_id
            """, [.int64Array(releases)])
        var byRelease: [Int64: [SignatureRecord]] = [:]
        for row in rows {
            let record = SignatureRecord(
                release: try row.decode("release", as: Int64.self),
                keyID: try row.decode("key_id", as: String.self),
                owner: try row.decode("owner", as: String?.self),
                databaseRole: try row.decode("db_role", as: String.self),
                createdAt: try row.decode("created_at", as: Date.self))
            byRelease[record.release, default: []].append(record)
        }
        return byRelease
    }
}
