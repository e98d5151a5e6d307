import Foundation

/// A problem that kept a release from being applied on this node, located when possible.
public struct NodeError: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The module (display path) the error is in, when it is about a module.
    public var module: String?
    public var line: Int?
    public var column: Int?
    /// A stable code (`E201`, ...) when the error is a diagnostic.
    public var code: String?
    public var message: String

    public init(module: String? = nil, line: Int? = nil, column: Int? = nil, code: String? = nil, message: String) {
        self.module = module
        self.line = line
        self.column = column
        self.code = code
        self.message = message
    }

    /// `file:line:col: error[CODE]: message`, or just the message.
    public var description: String {
        var prefix = ""
        if let module {
            prefix = module
            if let line { prefix += ":\(line)" }
            if let column { prefix += ":\(column)" }
            prefix += ": "
        }
        if let code { return "\(prefix)error[\(code)]: \(message)" }
        return prefix + message
    }
}

/// Something the node did, for the host application (`Node.events`).
public enum ApplyEvent: Sendable {
    /// A release is now served. `changed` modules were fetched; `recompiled` counts the
    /// modules compiled (changed ones and their dependents); `duration` is from the
    /// wake-up to the swap, `at` the moment of the swap; `stale` when from the cache.
    case applied(release: Int64, previous: Int64?, changed: [String], removed: [String],
                 recompiled: Int, duration: Duration, stale: Bool, at: ContinuousClock.Instant)
    /// A release failed to compile or link here; the node keeps `kept`.
    case refused(release: Int64, kept: Int64?, errors: [NodeError])
    /// Reading from the database failed; the node keeps serving and retries.
    case databaseError(String)
    /// The listener connection is up (again) and LISTEN is in place.
    case listening
    /// The listener connection was lost; a reconnect is scheduled.
    case disconnected(String)
}
