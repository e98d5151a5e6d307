import CEL

/// What the host application offers to every module: functions implemented in Swift
/// and named values (configuration, constants). Both are visible in every module body
/// under their own names, alongside the CEL standard library.
public struct HostEnvironment: Sendable {
    public var functions: [FunctionDecl]
    /// Values fixed for the lifetime of a snapshot; references to them are folded.
    public var constants: [String: Value]
    /// CEL container (namespace) for name resolution inside module bodies.
    public var container: String

    public init(functions: [FunctionDecl] = [], constants: [String: Value] = [:], container: String = "") {
        self.functions = functions
        self.constants = constants
        self.container = container
    }

    /// A fresh CEL environment with the host's declarations.
    func makeEnvironment(limits: Limits) -> Environment {
        var env = Environment(container: container, limits: limits)
        for function in functions { env.declare(function: function) }
        for (name, value) in constants { env.declare(constant: name, value: value) }
        return env
    }
}
