/// Shorthands for declaring core overloads, and the type parameters they use.
enum Core {
    static let a = CELType.typeParam("A")
    static let b = CELType.typeParam("B")
    static let k = CELType.typeParam("K")
    static let v = CELType.typeParam("V")

    static func unary(_ id: String, _ param: CELType, _ result: CELType, instance: Bool = false,
                      _ body: @escaping @Sendable (Value) -> Value) -> Overload {
        Overload(id: id, isInstance: instance, params: [param], result: result, implementation: .unary(body))
    }

    static func binary(_ id: String, _ p0: CELType, _ p1: CELType, _ result: CELType, instance: Bool = false,
                       _ body: @escaping @Sendable (Value, Value) -> Value) -> Overload {
        Overload(id: id, isInstance: instance, params: [p0, p1], result: result, implementation: .binary(body))
    }

    /// The error for arguments no overload of `function` accepts.
    static func noOverload(_ function: String, _ args: Value...) -> Value {
        .error(.noSuchOverload(function, arguments: args))
    }

    /// An error naming an exceeded size limit and its `Limits` field.
    static func limitExceeded(_ what: String, _ limit: Int, _ field: String) -> Value {
        .error(CELError("\(what) exceeds the limit of \(limit) (Limits.\(field))"))
    }
}
