import Foundation
import PQ

/// What one head read returned.
package struct HeadRead: Sendable {
    /// The channel's head (nil: no release yet, or no such channel).
    package var head: Int64?
    /// The head release's modules; nil when the head is one of the releases the node
    /// already knows (nothing more was read).
    package var manifest: [ManifestEntry]?
    /// Sources of the manifest's revisions the node does not have yet, by module.
    package var sources: [String: String]
}

/// What a node reports in `hotload.node_status`.
package struct NodeStatusReport: Sendable {
    package var appliedRelease: Int64?
    package var stale: Bool
    package var errorRelease: Int64?
    package var error: NodeError?

    package init(appliedRelease: Int64?, stale: Bool, errorRelease: Int64? = nil, error: NodeError? = nil) {
        self.appliedRelease = appliedRelease
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
/// serialises them itself): the head read on every wake-up and the status writes. The
/// frequent ones are prepared statements, prepared once per connection.
package struct NodeSession: Sendable {
    /// The connection the statements run on.
    package let connection: Connection

    package init(_ connection: Connection) {
        self.connection = connection
    }

    /// Settles a new connection's session for these statements: prepared statements use
    /// their generic plan from the first execution, instead of planning the first few
    /// executions for their parameters (the head read is planned once per connection).
    /// A server that refuses the setting (before PostgreSQL 12) is used as it is.
    package static func settle(_ conn: Connection) async throws(PQError) {
        do {
            try await conn.execute("SET plan_cache_mode = force_generic_plan")
        } catch where error.kind == .query {
            // Only an optimisation.
        }
    }

    // MARK: - The head read

    /// NOTIFY is only a hint, so every wake-up re-reads the head; to keep a wake-up to a
    /// single round trip, the same statement returns the head's manifest — only when the
    /// head is not a release the node already knows — and the source text of only the
    /// revisions the node does not have. The module set comes from
    /// `hotload.channel_modules`, which `hotload.publish` keeps equal to the head's manifest
    /// in the same transaction that moves the head; the whole statement sees one snapshot,
    /// so head and manifest always agree. Every node runs it for every release, so it is
    /// prepared (parsed and planned once per connection), and plain joins (no CTE, no
    /// LATERAL) keep its execution cheap. `Benchmarks/Sources/notify-floor` runs a copy
    /// (a test keeps the two equal).
    package static let headStatement = PreparedStatement("""
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
    package func readHead(channel: String, known: [Int64], have: [ManifestEntry]) async throws -> HeadRead {
        let rows = try await connection.query(Self.headStatement, [
            .text(channel), .int64Array(known), .textArray(have.map { "\($0.module)@\($0.version)" }),
        ])
        guard let first = rows.first else {
            // No such channel.
            return HeadRead(head: nil, manifest: nil, sources: [:])
        }
        let head = try first.decode("head", as: Int64?.self)
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
        let known = head.map { known.contains($0) } ?? true
        return HeadRead(head: head, manifest: known ? nil : manifest, sources: sources)
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
                    $11::integer, $12, $13, $14) AS registered
                """, [.text(name), .text(instance.uuidString), .text(TerminalText.escaping(host)),
                      .int(Int64(pid)), .text(channel)] + Self.values(report)
                    + [.bool(force), .double(liveFor / .seconds(1))])
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
                                              [.text(name), .text(instance.uuidString)] + Self.values(report) + [.bool(stopped)])
        return try rows.first?.decode("updated", as: Bool.self) ?? false
    }

    /// Prepared: every node runs it after every release and on every heartbeat.
    private static let heartbeatStatement = PreparedStatement("""
        SELECT hotload.node_heartbeat($1, $2::uuid, $3, $4, $5, $6, $7::integer, $8::integer, $9, $10) AS updated
        """)

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
