/// The checker's output: the expression with a type for every node and a resolution for
/// every identifier, qualified name and call it could resolve. The planner reads it.
struct CheckedExpr: Sendable {
    var expr: Expr
    var types: [Int32: CELType]
    var references: [Int32: Reference]
    var resultType: CELType { types[expr.id] ?? .dyn }
}

/// What a name or call in the source refers to.
enum Reference: Sendable {
    /// A declared variable (fully qualified name). On a `select` node it means the whole
    /// `a.b.c` chain up to that node is the variable.
    case variable(String)
    /// A compile-time constant: a declared constant or a type name such as `int`.
    case constant(Value)
    /// A name that is declared nowhere: an error when evaluated (only without checking).
    case undeclared(String)
    /// A library or host function with the overloads that may apply. `namespaced`: the
    /// call's target was part of the function's qualified name (`math.greatest(...)`),
    /// so it is not an argument.
    case overloads(function: String, candidates: [Overload], namespaced: Bool)
    /// A compiled (module) function.
    case compiled(CompiledFunction, namespaced: Bool)
    /// A function that is declared nowhere: an error when evaluated (only without checking).
    case unboundFunction(String)
}
