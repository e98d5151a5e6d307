import Foundation
import PQ

/// What the node reports in `hotload.node_status`.
struct StatusReport: Sendable {
    var appliedRelease: Int64?
    var stale: Bool
    var errorRelease: Int64?
    var error: NodeError?
}

/// Writes the node's own row of `hotload.node_status`.
enum StatusWriter {
    /// Inserts or takes over the node's row (same name, same database role), resetting
    /// its start time and stopped flag. Unless `force`, a row another instance still
    /// heartbeats (not stopped, heartbeat younger than `liveFor`) is left alone, so two
    /// processes misconfigured with one name do not keep taking the row from each other.
    /// - Returns: false when the row was left to another live instance.
    @discardableResult
    static func register(_ conn: Connection, name: String, instance: UUID, channel: String, report: StatusReport,
                         force: Bool = true, liveFor: Duration = .seconds(15)) async throws -> Bool {
        let liveSeconds = Double(liveFor.components.seconds) + Double(liveFor.components.attoseconds) / 1e18
        return try await conn.execute("""
            INSERT INTO hotload.node_status AS s (name, instance, host, pid, channel, applied_release, stale,
                error_release, error_module, error_line, error_column, error_message, started_at, heartbeat_at, stopped)
            VALUES ($1, $2::uuid, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now(), now(), false)
            ON CONFLICT (name) DO UPDATE SET instance = EXCLUDED.instance, host = EXCLUDED.host, pid = EXCLUDED.pid,
                channel = EXCLUDED.channel, applied_release = EXCLUDED.applied_release, stale = EXCLUDED.stale,
                error_release = EXCLUDED.error_release, error_module = EXCLUDED.error_module,
                error_line = EXCLUDED.error_line, error_column = EXCLUDED.error_column,
                error_message = EXCLUDED.error_message, started_at = now(), heartbeat_at = now(), stopped = false
            WHERE $13 OR s.stopped OR s.heartbeat_at < now() - make_interval(secs => $14)
            """, [.text(name), .text(instance.uuidString), .text(ProcessInfo.processInfo.hostName),
                  .int(Int64(ProcessInfo.processInfo.processIdentifier)), .text(channel)] + values(report)
                + [.bool(force), .double(liveSeconds)]) > 0
    }

    /// Refreshes the row; false when another instance took the name over.
    @discardableResult
    static func heartbeat(_ conn: Connection, name: String, instance: UUID, report: StatusReport, stopped: Bool = false) async throws -> Bool {
        let updated = try await conn.execute(heartbeatStatement,
                                             [.text(name), .text(instance.uuidString)] + values(report) + [.bool(stopped)])
        return updated > 0
    }

    /// Prepared: every node runs it after every release and on every heartbeat.
    private static let heartbeatStatement = PreparedStatement("""
        UPDATE hotload.node_status SET applied_release = $3, stale = $4, error_release = $5,
            error_module = $6, error_line = $7, error_column = $8, error_message = $9,
            heartbeat_at = now(), stopped = $10
        WHERE name = $1 AND instance = $2::uuid
        """)

    private static func values(_ report: StatusReport) -> [PQValue] {
        [
            report.appliedRelease.map { .int($0) } ?? .null,
            .bool(report.stale),
            report.errorRelease.map { .int($0) } ?? .null,
            report.error?.module.map { .text($0) } ?? .null,
            report.error?.line.map { .int(Int64($0)) } ?? .null,
            report.error?.column.map { .int(Int64($0)) } ?? .null,
            report.error.map { .text($0.message) } ?? .null,
        ]
    }
}
