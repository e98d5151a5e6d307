/// Why `Snapshot.call` could not start a call: a stable `code`, a `message`, and the
/// `module` and `function` asked for. (Errors *during* a call are CEL error values.)
///
/// Match on the code (`error.code == .unknownModule`); a new code breaks no `switch`.
public struct CallError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable identifier of the kind of failure (snake_case; the sidecar sends it).
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The snapshot has no such module.
        public static let unknownModule = Code(rawValue: "unknown_module")
        /// The module has no such function.
        public static let unknownFunction = Code(rawValue: "unknown_function")
        /// The function is private to its module (its name starts with `_`).
        public static let privateFunction = Code(rawValue: "private_function")
        /// The function takes another number of arguments.
        public static let wrongArity = Code(rawValue: "wrong_arity")
    }

    /// What kind of failure this is.
    public var code: Code
    /// What is wrong.
    public var message: String
    /// The module asked for.
    public var module: String
    /// The function asked for.
    public var function: String

    public init(_ code: Code, _ message: String, module: String, function: String) {
        self.code = code
        self.message = message
        self.module = module
        self.function = function
    }

    public var description: String { message }
}
