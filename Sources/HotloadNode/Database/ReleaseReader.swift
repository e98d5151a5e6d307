import PQ

/// What one sync read from the database.
struct HeadRead: Sendable {
    /// The channel's head (nil: no release yet, or no such channel).
    var head: Int64?
    /// The head release's modules; nil when the head is one of the releases the node
    /// already knows (nothing more was read).
    var manifest: [ReleaseEntry]?
    /// Sources of the manifest's revisions the node does not have yet, by module.
    var sources: [String: String]
}

/// The node's one read query. NOTIFY is only a hint, so every wake-up re-reads the head;
/// to keep a wake-up to a single round trip, the same statement returns the head's
/// manifest — only when the head is not a release the node already knows — and the
/// source text of only the revisions the node does not have.
enum ReleaseReader {
    /// The head's module set comes from `hotload.channel_modules`, which the store keeps
    /// equal to the head's manifest in the same transaction that moves the head; the whole
    /// statement sees one snapshot, so head and manifest always agree. Every node runs this
    /// statement for every release, so it is prepared (parsed and planned once per
    /// connection), and plain joins (no CTE, no LATERAL) keep its execution cheap.
    static let statement = PreparedStatement("""
        SELECT c.head AS head, cm.module AS module, cm.version::bigint AS version, cm.sha256 AS sha256,
               CASE WHEN cm.module || '@' || cm.version::text = ANY($3::text[]) THEN NULL ELSE r.source END AS source
        FROM hotload.channels c
        LEFT JOIN hotload.channel_modules cm ON cm.channel = c.name AND NOT (c.head = ANY($2::bigint[]))
        LEFT JOIN hotload.revisions r ON r.module = cm.module AND r.version = cm.version
        WHERE c.name = $1
        """)

    /// Reads the head of `channel`.
    /// - Parameters:
    ///   - known: releases the node already has or refused: for these only the head is read.
    ///   - have: the revisions whose source the node already holds.
    static func read(_ conn: Connection, channel: String, known: [Int64], have: [ReleaseEntry]) async throws -> HeadRead {
        let rows = try await conn.query(statement, [
            .text(channel), .int64Array(known), .textArray(have.map { "\($0.module)@\($0.version)" }),
        ])
        guard let first = rows.first else {
            // No such channel.
            return HeadRead(head: nil, manifest: nil, sources: [:])
        }
        let head = try first.decode("head", as: Int64?.self)
        var manifest: [ReleaseEntry] = []
        var sources: [String: String] = [:]
        for row in rows {
            guard let module = try row.decode("module", as: String?.self) else { continue }
            let version = try row.decode("version", as: Int64.self)
            let sha = try row.decode("sha256", as: String.self)
            manifest.append(ReleaseEntry(module: module, version: version, sha256: sha))
            if let source = try row.decode("source", as: String?.self) {
                sources[module] = source
            }
        }
        let known = head.map { known.contains($0) } ?? true
        return HeadRead(head: head, manifest: known ? nil : manifest, sources: sources)
    }
}
