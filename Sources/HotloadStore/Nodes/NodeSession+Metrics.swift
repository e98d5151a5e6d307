import Foundation
import PQ

/// A node's call figures for one release over its last window (see `sql/0302_rollout_health.sql`).
package struct NodeCallMetrics: Sendable, Hashable {
    package var release: Int64
    package var calls: Int
    /// Calls that failed: an evaluation error, or a call refused (unknown function, wrong arity).
    package var errors: Int
    package var p50Milliseconds: Double
    package var p99Milliseconds: Double

    package init(release: Int64, calls: Int, errors: Int, p50Milliseconds: Double, p99Milliseconds: Double) {
        self.release = release
        self.calls = calls
        self.errors = errors
        self.p50Milliseconds = p50Milliseconds
        self.p99Milliseconds = p99Milliseconds
    }
}

extension NodeSession {
    /// Replaces the node's rows of `hotload.node_metrics` through
    /// `hotload.node_report_metrics` (the database checks the login owns the node, the
    /// instance still holds it, the releases are on its channel and the values are sane).
    /// - Returns: false when another instance took the name over, or the node is not registered.
    @discardableResult
    package func reportMetrics(name: String, instance: UUID, windowSeconds: Double,
                               _ metrics: [NodeCallMetrics]) async throws -> Bool {
        let rows = try await connection.query(Self.metricsStatement, [
            .text(name), .text(instance.uuidString), .double(windowSeconds),
            .int64Array(metrics.map(\.release)), .int64Array(metrics.map { Int64($0.calls) }),
            .int64Array(metrics.map { Int64($0.errors) }), .textArray(metrics.map { "\($0.p50Milliseconds)" }),
            .textArray(metrics.map { "\($0.p99Milliseconds)" }),
        ])
        return try rows.first?.decode("reported", as: Bool.self) ?? false
    }

    /// Prepared: every node runs it on every heartbeat.
    private static let metricsStatement = PreparedStatement("""
        SELECT hotload.node_report_metrics($1, $2::uuid, $3, $4::bigint[], $5::bigint[], $6::bigint[],
                                           $7::text[]::float8[], $8::text[]::float8[]) AS reported
        """)
}
