/// Why `Snapshot.call` could not start a call. (Errors *during* a call are CEL error values.)
public struct CallError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case unknownModule = "unknown_module"
        case unknownFunction = "unknown_function"
        case privateFunction = "private_function"
        case wrongArity = "wrong_arity"
    }
    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
