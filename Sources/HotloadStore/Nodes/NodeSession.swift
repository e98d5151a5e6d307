import Foundation
import PQ

/// What one read of the node's target returned: which release the node should run, and
/// what it needs to run it.
package struct TargetRead: Sendable {
    /// The release this node should run: its unexpired pin, else the candidate when the
    /// channel's rollout is progressing or paused and the node's bucket is below the
    /// threshold, else the channel's stable release (nil: none yet, or no such channel).
    package var release: Int64?
    /// The channel's stable release, the candidate of its active rollout (any phase) and
    /// the release this node is pinned to: what `role(of:)` names.
    package var stable: Int64?
    package var candidate: Int64?
    package var pinned: Int64?
    /// Time until the node's pin expires (database clock), nil without a pin: the node
    /// re-reads then.
    package var pinExpiresIn: Duration?
    /// The target's modules; nil when the target is one of the releases the node already
    /// knows (nothing more was read).
    package var manifest: [ManifestEntry]?
    /// Sources of the manifest's revisions the node does not have yet, by module.
    package var sources: [String: String]
    /// The target's parent, author, message and signatures (what `ReleaseManifest` covers
    /// beyond the modules); nil exactly when `manifest` is.
    package var provenance: ReleaseProvenance? = nil

    /// What `release` is to this node's channel, as of this read: pinned wins, then
    /// candidate, then stable; nil for any other release.
    package func role(of release: Int64?) -> ReleaseRole? {
        guard let release else { return nil }
        if release == pinned { return .pinned }
        if release == candidate { return .candidate }
        if release == stable { return .stable }
        return nil
    }
}

/// What a release's signatures cover besides its channel, id and modules, and the
/// signatures themselves, as the database returned them (unverified).
package struct ReleaseProvenance: Sendable, Hashable {
    /// The release this one follows on its channel; nil for a channel's first release.
    package var parent: Int64?
    package var author: String
    package var message: String
    /// Every signature stored for the release (`hotload.release_signatures`), by key id.
    package var signatures: [ReleaseSignature]

    package init(parent: Int64?, author: String, message: String, signatures: [ReleaseSignature]) {
        self.parent = parent
        self.author = author
        self.message = message
        self.signatures = signatures
    }

    /// The signed manifest of `release` on `channel` with `modules`; throws `SigningError`
    /// (`invalid_manifest`) when the fields have no canonical encoding.
    package func manifest(channel: String, release: Int64, modules: [ManifestEntry]) throws -> ReleaseManifest {
        try ReleaseManifest(channel: channel, release: Int(release), parent: parent.map { Int($0) }, modules: modules,
                            author: author, message: message)
    }

    /// `KEYID:HEX,KEYID:HEX` as the target read aggregates them; a malformed entry is
    /// dropped (it could not verify anyway).
    static func signatures(aggregated text: String?) -> [ReleaseSignature] {
        guard let text, !text.isEmpty else { return [] }
        return text.split(separator: ",").compactMap { item in
            let parts = item.split(separator: ":")
            guard parts.count == 2, let bytes = Hex.decode(String(parts[1])) else { return nil }
            return ReleaseSignature(keyID: String(parts[0]), signature: bytes)
        }
    }
}

/// What a node reports in `hotload.node_status`.
package struct NodeStatusReport: Sendable {
    package var appliedRelease: Int64?
    /// What the applied release is to the channel (nil: unknown, e.g. served from the cache).
    package var appliedRole: ReleaseRole?
    package var stale: Bool
    package var errorRelease: Int64?
    package var error: NodeError?

    package init(appliedRelease: Int64?, appliedRole: ReleaseRole? = nil, stale: Bool, errorRelease: Int64? = nil,
                 error: NodeError? = nil) {
        self.appliedRelease = appliedRelease
        self.appliedRole = appliedRole
        self.stale = stale
        self.errorRelease = errorRelease
        self.error = error
    }
}

/// The node's name is registered by another database role (`hotload.node_register`
/// refuses it with SQLSTATE HL002 and the owner in DETAIL).
package struct NodeNameTaken: Error, Sendable {
    package var name: String
    package var owner: String
}

/// The statements a node runs on a query connection it owns (it reconnects and
/// serialises them itself): the target read on every wake-up and the status writes. The
/// frequent ones are prepared statements, prepared once per connection.
package struct NodeSession: Sendable {
    /// The connection the statements run on.
    package let connection: Connection

    package init(_ connection: Connection) {
        self.connection = connection
    }

    /// Settles a new connection's session for these statements: prepared statements use
    /// their generic plan from the first execution, instead of planning the first few
    /// executions for their parameters (the target read is planned once per connection).
    /// A server that refuses the setting (before PostgreSQL 12) is used as it is.
    package static func settle(_ conn: Connection) async throws(PQError) {
        do {
            try await conn.execute("SET plan_cache_mode = force_generic_plan")
        } catch where error.kind == .query {
            // Only an optimisation.
        }
    }

    // MARK: - The target read

    /// NOTIFY is only a hint, so every wake-up re-reads which release this node should run;
    /// to keep a wake-up to a single round trip, the same statement computes that target
    /// and returns its manifest — only when the target is not a release the node already
    /// knows — and the source text of only the revisions the node does not have.
    ///
    /// The target (`$4` is the node's name): the node's unexpired pin on this channel, else
    /// the candidate when the channel's rollout is progressing or paused and
    /// `hotload.rollout_bucket(salt, node) < threshold` (the bucket contract in SQL, tested
    /// against the same vectors as `RolloutBucket`), else `channels.stable`. Without a pin
    /// or a rollout that is two empty index probes more than the head read it replaces.
    /// When the target is the head (always, on a channel without a policy), the module set
    /// comes from `hotload.channel_modules`, which `hotload.publish` keeps equal to the
    /// head's manifest; otherwise it is derived from `release_changes` as
    /// `History`'s `Queries.state` does (one probe of `release_changes_channel_module` per
    /// module, never a scan of history). The branch not taken is cut by a one-time filter,
    /// and so is the manifest when the target is known. With the manifest (and only then)
    /// it returns what the release's signatures cover besides the modules — parent, author,
    /// message — and the signatures (`hotload.release_signatures`, `KEYID:HEX` joined by
    /// commas), on a row of their own (module NULL; repeated on every module row, the
    /// message and the signatures would travel once per module): a node with a trust policy
    /// verifies them before applying. The whole statement sees one
    /// snapshot, so target and manifest always agree. `OFFSET 0` keeps the target computed
    /// once; `LIMIT 1` keeps each revision lookup a primary-key probe. Every node runs it
    /// for every wake-up, so it is prepared (parsed and planned once per connection).
    /// `Benchmarks/Sources/notify-floor` runs a copy (a test keeps the two equal).
    package static let targetStatement = PreparedStatement("""
        SELECT t.release AS release, t.stable AS stable, t.candidate AS candidate, t.pinned AS pinned,
               t.pin_seconds AS pin_seconds, m.module AS module, m.version::bigint AS version, r.sha256 AS sha256,
               CASE WHEN m.module || '@' || m.version::text = ANY($3::text[]) THEN NULL ELSE r.source END AS source,
               m.parent AS parent, m.author AS author, m.message AS message, m.signatures AS signatures
        FROM (
            SELECT c.name, c.head, c.stable, o.candidate, p.release AS pinned,
                   EXTRACT(EPOCH FROM p.expires_at - now())::float8 AS pin_seconds,
                   CASE WHEN p.release IS NOT NULL THEN p.release
                        WHEN o.phase IN ('progressing', 'paused') THEN
                            CASE WHEN hotload.rollout_bucket(o.salt, $4) < o.threshold THEN o.candidate ELSE c.stable END
                        ELSE c.stable END AS release
            FROM hotload.channels c
            LEFT JOIN hotload.node_pins p ON p.node = $4 AND p.channel = c.name AND p.expires_at > now()
            LEFT JOIN hotload.rollouts o ON o.channel = c.name AND o.phase IN ('proposed', 'approved', 'progressing', 'paused')
            WHERE c.name = $1
            OFFSET 0) t
        LEFT JOIN LATERAL (
            SELECT cm.module, cm.version, NULL::bigint AS parent, NULL::text AS author, NULL::text AS message,
                   NULL::text AS signatures
            FROM hotload.channel_modules cm
            WHERE t.release = t.head AND NOT (t.release = ANY($2::bigint[])) AND cm.channel = t.name
            UNION ALL
            SELECT mo.name, d.version, NULL, NULL, NULL, NULL FROM hotload.modules mo
            CROSS JOIN LATERAL (
                SELECT rc.version FROM hotload.release_changes rc
                WHERE rc.channel = t.name AND rc.module = mo.name AND rc.release <= t.release
                ORDER BY rc.release DESC LIMIT 1) d
            WHERE t.release <> t.head AND NOT (t.release = ANY($2::bigint[])) AND d.version IS NOT NULL
            UNION ALL
            SELECT NULL, NULL, rl.parent, rl.author, rl.message,
                   (SELECT string_agg(s.key_id || ':' || encode(s.signature, 'hex'), ',' ORDER BY s.key_id)
                    FROM hotload.release_signatures s WHERE s.release = rl.id)
            FROM hotload.releases rl WHERE rl.id = t.release AND NOT (t.release = ANY($2::bigint[]))) m ON true
        LEFT JOIN LATERAL (
            SELECT r.sha256, r.source FROM hotload.revisions r WHERE r.module = m.module AND r.version = m.version LIMIT 1) r
            ON true
        """)

    /// Reads which release this node should run on `channel`, and what it needs to run it.
    /// - Parameters:
    ///   - node: the node's name (its pin and its bucket).
    ///   - known: releases the node already has or refused: for these only the target is read.
    ///   - have: the revisions whose source the node already holds.
    package func readTarget(channel: String, node: String, known: [Int64], have: [ManifestEntry]) async throws -> TargetRead {
        let rows = try await connection.query(Self.targetStatement, [
            .text(channel), .int64Array(known), .textArray(have.map { "\($0.module)@\($0.version)" }), .text(node),
        ])
        guard let first = rows.first else {
            // No such channel.
            return TargetRead(release: nil, manifest: nil, sources: [:])
        }
        let release = try first.decode("release", as: Int64?.self)
        var manifest: [ManifestEntry] = []
        var sources: [String: String] = [:]
        for row in rows {
            guard let module = try row.decode("module", as: String?.self) else { continue }
            let version = try row.decode("version", as: Int.self)
            let sha = try row.decode("sha256", as: String.self)
            manifest.append(ManifestEntry(module: module, version: version, sha256: sha))
            if let source = try row.decode("source", as: String?.self) {
                sources[module] = source
            }
        }
        let known = release.map { known.contains($0) } ?? true
        var provenance: ReleaseProvenance?
        if !known, let row = try rows.first(where: { try $0.decode("author", as: String?.self) != nil }) {
            provenance = ReleaseProvenance(
                parent: try row.decode("parent", as: Int64?.self), author: try row.decode("author", as: String.self),
                message: try row.decode("message", as: String?.self) ?? "",
                signatures: ReleaseProvenance.signatures(aggregated: try row.decode("signatures", as: String?.self)))
        }
        let pinSeconds = try first.decode("pin_seconds", as: Double?.self)
        return TargetRead(release: release, stable: try first.decode("stable", as: Int64?.self),
                          candidate: try first.decode("candidate", as: Int64?.self),
                          pinned: try first.decode("pinned", as: Int64?.self),
                          pinExpiresIn: pinSeconds.map { .milliseconds(Int64(($0 * 1000).rounded(.up))) },
                          manifest: known ? nil : manifest, sources: sources, provenance: provenance)
    }

    // MARK: - Status writes

    /// Inserts or takes over the node's row of `hotload.node_status` (same name, same
    /// database role) through `hotload.node_register` (`sql/0202_node_status_functions.sql`:
    /// the database decides whose row it is), resetting its start time and stopped flag.
    /// Unless `force`, a row another instance still heartbeats (not stopped, heartbeat
    /// younger than `liveFor`) is left alone, so two processes misconfigured with one name
    /// do not keep taking the row from each other.
    /// - Returns: false when the row was left to another live instance.
    /// - Throws: `NodeNameTaken` when another database role registered the name.
    @discardableResult
    package func register(name: String, instance: UUID, host: String, pid: Int, channel: String,
                          report: NodeStatusReport, force: Bool = true,
                          liveFor: Duration = .seconds(15)) async throws -> Bool {
        let rows: QueryResult
        do {
            rows = try await connection.query("""
                SELECT hotload.node_register($1, $2::uuid, $3, $4::integer, $5, $6, $7, $8, $9, $10::integer,
                    $11::integer, $12, $13, $14, $15) AS registered
                """, [.text(name), .text(instance.uuidString), .text(TerminalText.escaping(host)),
                      .int(Int64(pid)), .text(channel)] + Self.values(report)
                    + [.bool(force), .double(liveFor / .seconds(1)), Self.role(report)])
        } catch {
            if error.sqlState == "HL002" { throw NodeNameTaken(name: name, owner: error.detail ?? "another role") }
            throw error
        }
        return try rows.first?.decode("registered", as: Bool.self) ?? false
    }

    /// Refreshes the node's row through `hotload.node_heartbeat`; false when another
    /// instance took the name over (or the row is missing).
    @discardableResult
    package func heartbeat(name: String, instance: UUID, report: NodeStatusReport, stopped: Bool = false) async throws -> Bool {
        let rows = try await connection.query(Self.heartbeatStatement,
                                              [.text(name), .text(instance.uuidString)] + Self.values(report)
                                                + [.bool(stopped), Self.role(report)])
        return try rows.first?.decode("updated", as: Bool.self) ?? false
    }

    /// Prepared: every node runs it after every release and on every heartbeat.
    private static let heartbeatStatement = PreparedStatement("""
        SELECT hotload.node_heartbeat($1, $2::uuid, $3, $4, $5, $6, $7::integer, $8::integer, $9, $10, $11) AS updated
        """)

    /// The `applied_role` argument (`sql/0301_node_rollouts.sql`).
    private static func role(_ report: NodeStatusReport) -> PQValue {
        report.appliedRole.map { .text($0.rawValue) } ?? .null
    }

    /// The report's columns; error texts are escaped, as the table refuses control characters.
    private static func values(_ report: NodeStatusReport) -> [PQValue] {
        [
            report.appliedRelease.map { .int($0) } ?? .null,
            .bool(report.stale),
            report.errorRelease.map { .int($0) } ?? .null,
            report.error?.module.map { .text(TerminalText.escaping($0)) } ?? .null,
            report.error?.line.map { .int(Int64($0)) } ?? .null,
            report.error?.column.map { .int(Int64($0)) } ?? .null,
            report.error.map { .text(TerminalText.escaping($0.message)) } ?? .null,
        ]
    }
}
