import PQ

/// Connection settings for a node's two connections.
enum ConnectionSettings {
    /// TCP keepalive and user-timeout settings so that a peer that vanished (a dead
    /// server, a dropped network path) is noticed in seconds rather than hours. They
    /// apply to TCP connections; Unix-socket connections fail immediately anyway.
    static let keepalives: [(String, String)] = [
        ("keepalives", "1"), ("keepalives_idle", "5"), ("keepalives_interval", "2"),
        ("keepalives_count", "3"), ("tcp_user_timeout", "15000"),
    ]

    /// `target` (URL, conninfo or nil for the environment defaults) with the keepalive
    /// settings added, unless the user already chose them.
    static func withKeepalives(_ target: String?) -> String {
        let base = target ?? ""
        let missing = keepalives.filter { !base.contains($0.0 + "=") }
        if missing.isEmpty { return base }
        if let scheme = base.range(of: "://"), base.hasPrefix("postgresql://") || base.hasPrefix("postgres://") {
            let query = missing.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
            // The user info (up to its `@`, before the path) may hold a `?` of a password:
            // only a `?` after it starts the query.
            let rest = base[scheme.upperBound...]
            let authority = rest[..<(rest.firstIndex(of: "/") ?? rest.endIndex)]
            let host = authority.lastIndex(of: "@").map { base.index(after: $0) } ?? scheme.upperBound
            return base + (base[host...].contains("?") ? "&" : "?") + query
        }
        let words = missing.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
        return base.isEmpty ? words : base + " " + words
    }

    static func configuration(_ node: NodeConfiguration, role: String) -> ConnectionConfiguration {
        var config = ConnectionConfiguration(withKeepalives(node.database))
        config.connectTimeout = node.connectTimeout
        config.applicationName = "hotload-node \(role)"
        return config
    }
}
