/// The standard error messages of the core library, shared so that every layer
/// reports the same text for the same failure.
extension CELError {
    /// No overload accepts the arguments' runtime types.
    public static let noSuchOverload = CELError("no such overload")
    /// Integer arithmetic left the range of its type.
    public static let overflow = CELError("return error for overflow")
    /// Integer division by zero.
    public static let divisionByZero = CELError("division by zero")
    /// Integer modulus by zero.
    public static let modulusByZero = CELError("modulus by zero")

    /// No overload of `function` accepts arguments of these runtime types.
    public static func noSuchOverload(_ function: String, _ args: Value...) -> CELError {
        noSuchOverload(function, arguments: args)
    }

    /// No overload of `function` accepts arguments of these runtime types.
    public static func noSuchOverload(_ function: String, arguments: [Value]) -> CELError {
        let types = arguments.map { $0.runtimeType.runtimeName }.joined(separator: ", ")
        return CELError("no such overload: \(function)(\(types))")
    }

    /// A map lookup of a key that is absent.
    public static func noSuchKey(_ key: Value) -> CELError {
        CELError("no such key: \(key)")
    }

    /// A conversion whose input is outside the target type's range or syntax.
    public static func conversion(_ message: String) -> CELError {
        CELError("type conversion error: \(message)")
    }
}

extension Value {
    /// `.error(.noSuchOverload)`, the result of calling an overload with arguments of the wrong types.
    public static let noSuchOverload = Value.error(.noSuchOverload)
    /// `.error(.overflow)`.
    public static let overflow = Value.error(.overflow)
}
