import Foundation
import PQ

/// One node as `hotload status` shows it: its row of `hotload.node_status` joined with
/// its channel's head.
package struct NodeStatusRow: Sendable, Hashable, Codable {
    package var name: String
    package var host: String
    package var pid: Int
    package var channel: String
    package var appliedRelease: Int64?
    /// What the node reported its release is to the channel (stable, candidate, pinned).
    package var appliedRole: ReleaseRole?
    /// The channel's head release.
    package var head: Int64?
    /// Releases of the channel newer than the applied one, up to the head.
    package var lag: Int
    /// Seconds since the last heartbeat (measured by the database clock).
    package var heartbeatAgeSeconds: Double
    /// True when the heartbeat is older than the threshold given to `list` (and the node
    /// did not stop cleanly).
    package var heartbeatStale: Bool
    /// True while the node serves a release from its offline cache.
    package var servingCache: Bool
    /// True once the node shut down cleanly.
    package var stopped: Bool
    package var errorRelease: Int64?
    package var lastError: NodeError?
    package var startedAt: Date
}

extension Store {
    /// Every node's row of `hotload.node_status` with its channel's head, ordered by
    /// channel and name (`hotload status`). Needs `hotload_reader`.
    /// - Parameter staleAfter: a heartbeat older than this marks the node stale.
    package func nodeStatuses(staleAfter: Duration = .seconds(15)) async throws -> [NodeStatusRow] {
        let rows = try await run(needs: .reader) {
            try await connection.query("""
                SELECT s.name, s.host, s.pid::bigint AS pid, s.channel, s.applied_release, s.applied_role, c.head, s.stale, s.stopped,
                       (SELECT count(*) FROM hotload.releases r
                         WHERE r.channel = s.channel AND r.id > coalesce(s.applied_release, 0) AND r.id <= c.head) AS lag,
                       EXTRACT(EPOCH FROM now() - s.heartbeat_at)::float8 AS age,
                       s.error_release, s.error_module, s.error_line::bigint AS error_line,
                       s.error_column::bigint AS error_column, s.error_message, s.started_at
                FROM hotload.node_status s LEFT JOIN hotload.channels c ON c.name = s.channel
                ORDER BY s.channel, s.name
                """)
        }
        let threshold = staleAfter / .seconds(1)
        return try rows.map { row in
            try Self.decodeNodeStatus(row, staleAfter: threshold)
        }
    }

    private static func decodeNodeStatus(_ row: Row, staleAfter threshold: Double) throws -> NodeStatusRow {
        let age = try row.decode("age", as: Double.self)
        let stopped = try row.decode("stopped", as: Bool.self)
        var error: NodeError?
        if let message = try row.decode("error_message", as: String?.self) {
            error = NodeError(module: try row.decode("error_module", as: String?.self),
                              line: try row.decode("error_line", as: Int?.self),
                              column: try row.decode("error_column", as: Int?.self),
                              message: message)
        }
        return NodeStatusRow(
            name: try row.decode("name", as: String.self),
            host: try row.decode("host", as: String.self),
            pid: try row.decode("pid", as: Int.self),
            channel: try row.decode("channel", as: String.self),
            appliedRelease: try row.decode("applied_release", as: Int64?.self),
            appliedRole: try row.decode("applied_role", as: String?.self).flatMap(ReleaseRole.init(rawValue:)),
            head: try row.decode("head", as: Int64?.self),
            lag: try row.decode("lag", as: Int.self),
            heartbeatAgeSeconds: age,
            heartbeatStale: !stopped && age > threshold,
            servingCache: try row.decode("stale", as: Bool.self),
            stopped: stopped,
            errorRelease: try row.decode("error_release", as: Int64?.self),
            lastError: error,
            startedAt: try row.decode("started_at", as: Date.self))
    }
}
