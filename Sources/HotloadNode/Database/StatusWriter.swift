import Foundation
import HotloadStore
import PQ

/// What the node reports in `hotload.node_status`.
struct StatusReport: Sendable {
    var appliedRelease: Int64?
    var stale: Bool
    var errorRelease: Int64?
    var error: NodeError?
}

/// The node's name is registered by another database role (`hotload.node_register`
/// refuses it with SQLSTATE HL002 and the owner in DETAIL).
struct NodeNameTaken: Error, Sendable {
    var name: String
    var owner: String
}

/// Writes the node's own row of `hotload.node_status` through the database's functions
/// (`sql/0202_node_status_functions.sql`): the database decides whose row it is.
enum StatusWriter {
    /// Inserts or takes over the node's row (same name, same database role), resetting
    /// its start time and stopped flag. Unless `force`, a row another instance still
    /// heartbeats (not stopped, heartbeat younger than `liveFor`) is left alone, so two
    /// processes misconfigured with one name do not keep taking the row from each other.
    /// - Returns: false when the row was left to another live instance.
    /// - Throws: `NodeNameTaken` when another database role registered the name.
    @discardableResult
    static func register(_ conn: Connection, name: String, instance: UUID, channel: String, report: StatusReport,
                         force: Bool = true, liveFor: Duration = .seconds(15)) async throws -> Bool {
        let liveSeconds = liveFor.inSeconds
        let rows: QueryResult
        do {
            rows = try await conn.query("""
                SELECT hotload.node_register($1, $2::uuid, $3, $4::integer, $5, $6, $7, $8, $9, $10::integer,
                    $11::integer, $12, $13, $14) AS registered
                """, [.text(name), .text(instance.uuidString), .text(TerminalText.escaping(ProcessInfo.processInfo.hostName)),
                      .int(Int64(ProcessInfo.processInfo.processIdentifier)), .text(channel)] + values(report)
                    + [.bool(force), .double(liveSeconds)])
        } catch {
            if error.sqlState == "HL002" { throw NodeNameTaken(name: name, owner: error.detail ?? "another role") }
            throw error
        }
        return try rows.first?.decode("registered", as: Bool.self) ?? false
    }

    /// Refreshes the row; false when another instance took the name over.
    @discardableResult
    static func heartbeat(_ conn: Connection, name: String, instance: UUID, report: StatusReport, stopped: Bool = false) async throws -> Bool {
        let rows = try await conn.query(heartbeatStatement,
                                        [.text(name), .text(instance.uuidString)] + values(report) + [.bool(stopped)])
        return try rows.first?.decode("updated", as: Bool.self) ?? false
    }

    /// Prepared: every node runs it after every release and on every heartbeat.
    private static let heartbeatStatement = PreparedStatement("""
        SELECT hotload.node_heartbeat($1, $2::uuid, $3, $4, $5, $6, $7::integer, $8::integer, $9, $10) AS updated
        """)

    /// The report's columns; error texts are escaped, as the table refuses control characters.
    private static func values(_ report: StatusReport) -> [PQValue] {
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
