/// A problem that kept a release from being applied on a node, located when possible: what
/// the node reports (`ApplyEvent.refused`, `NodeStatus.lastError`) and the status table keeps
/// (without `code`).
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

