/// A function with one or more overloads, as known to the checker and the planner.
public struct FunctionDecl: Sendable {
    public var name: String
    public var overloads: [Overload]
    public init(name: String, overloads: [Overload]) {
        self.name = name
        self.overloads = overloads
    }
}

/// One signature of a function and what runs it.
public struct Overload: Sendable {
    /// A stable id, such as `add_int64` or `string_contains_string`.
    public var id: String
    /// `true` for receiver-style calls: `s.contains(x)` has params `[string, string]`.
    public var isInstance: Bool
    public var params: [CELType]
    public var result: CELType
    /// Strict overloads never see error arguments: the first error argument is the result.
    /// Non-strict ones receive errors and decide themselves.
    public var isStrict: Bool
    public var implementation: Implementation

    public init(id: String, isInstance: Bool = false, params: [CELType], result: CELType,
                isStrict: Bool = true, implementation: Implementation) {
        self.id = id
        self.isInstance = isInstance
        self.params = params
        self.result = result
        self.isStrict = isStrict
        self.implementation = implementation
    }
}

/// The Swift code behind an overload. Arguments arrive in order, the receiver first.
public enum Implementation: Sendable {
    case unary(@Sendable (Value) -> Value)
    case binary(@Sendable (Value, Value) -> Value)
    case ternary(@Sendable (Value, Value, Value) -> Value)
    case variadic(@Sendable ([Value]) -> Value)
}
