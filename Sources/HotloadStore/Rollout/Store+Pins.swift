import Foundation
import PQ

extension Store {
    /// Refuses a pin duration outside 1 s to 30 days (the database refuses it too).
    package static func validate(pinSeconds ttlSeconds: Int) throws {
        guard (1...2_592_000).contains(ttlSeconds) else {
            throw StoreError.invalidRequest("a pin lasts 1 second to 30 days (2592000 s), not \(ttlSeconds) s")
        }
    }

    /// Pins a registered node to `release` (its channel's stable release, or the candidate
    /// of a rollout past approval) for `ttlSeconds` (1 s to 30 days), whatever its bucket.
    /// Needs `hotload_operator`.
    /// - Returns: when the pin expires (database clock).
    @discardableResult
    public func pin(node: String, release: Int64, ttlSeconds: Int) async throws -> Date {
        try Self.validate(pinSeconds: ttlSeconds)
        return try await runRollout(needs: .operator, .init(node: node, action: "pin")) {
            let rows = try await connection.query("SELECT hotload.node_pin($1, $2, $3) AS until",
                                                  [.text(node), .int(release), .int(ttlSeconds)])
            guard let until = try rows.first?.decode("until", as: Date?.self) else {
                throw StoreError.invalidRequest("the database returned no expiry")
            }
            return until
        }
    }

    /// Removes a node's pin. Needs `hotload_operator`.
    /// - Returns: false when the node had no pin.
    @discardableResult
    public func unpin(node: String) async throws -> Bool {
        try await runRollout(needs: .operator, .init(node: node, action: "unpin")) {
            let rows = try await connection.query("SELECT hotload.node_unpin($1) AS removed", [.text(node)])
            return try rows.first?.decode("removed", as: Bool.self) ?? false
        }
    }

    /// The unexpired pins of `channel` (every channel when nil), by node name.
    public func pins(channel: String? = nil) async throws -> [NodePin] {
        try await run(needs: .reader) {
            let rows = try await connection.query("""
                SELECT node, channel, release, expires_at, pinned_by, pinned_at FROM hotload.node_pins
                WHERE ($1::text IS NULL OR channel = $1) AND expires_at > now()
                ORDER BY node COLLATE "C"
                """, [.optionalText(channel)])
            return try rows.map { row in
                NodePin(node: try row.decode("node", as: String.self),
                        channel: try row.decode("channel", as: String.self),
                        release: try row.decode("release", as: Int64.self),
                        expiresAt: try row.decode("expires_at", as: Date.self),
                        pinnedBy: try row.decode("pinned_by", as: String.self),
                        pinnedAt: try row.decode("pinned_at", as: Date.self))
            }
        }
    }
}
