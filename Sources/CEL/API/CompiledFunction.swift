/// A compiled function body with parameters (a module's `fn`). Immutable and thread-safe.
/// Called from CEL, its arguments go straight to its parameter slots and it spends the
/// caller's cost and iteration budget.
public final class CompiledFunction: Sendable {
    public let name: String
    public let arity: Int
    /// The checker's type of the body.
    public let resultType: CELType
    let root: Node
    /// Parameters first, then other variables the body reads (never bound: errors).
    let variableCount: Int
    let shape: FrameShape
    /// Cost charged per call: the number of nodes in the body.
    let staticCost: Int
    /// A bound of the nesting levels a call adds to its deepest argument (`StaticBounds`).
    let addedDepth: Int
    /// The longest chain of compiled calls a call starts, this one included.
    let callDepth: Int
    let limits: Limits

    init(name: String, arity: Int, root: Node, variableCount: Int, shape: FrameShape, staticCost: Int,
         addedDepth: Int, callDepth: Int, resultType: CELType, limits: Limits) {
        self.name = name
        self.arity = arity
        self.root = root
        self.variableCount = variableCount
        self.shape = shape
        self.staticCost = staticCost
        self.addedDepth = addedDepth
        self.callDepth = callDepth
        self.resultType = resultType
        self.limits = limits
    }

    /// Calls the function with a fresh budget (`Limits.maxCost`). A wrong number of
    /// arguments is an error value.
    public func call(_ args: [Value]) -> Value {
        var frame = Frame(limits: limits)
        return invoke(args, caller: &frame)
    }

    /// Runs the body with the caller's budget, charging the body's static cost; one level
    /// deeper than the caller, refused beyond `Limits.maxCallDepth`.
    func invoke(_ args: [Value], caller: inout Frame) -> Value {
        guard args.count == arity else {
            return .error(CELError("function '\(name)' takes \(arity) argument\(arity == 1 ? "" : "s"), not \(args.count)"))
        }
        guard caller.callDepth < caller.maxCallDepth else { return .error(Frame.callDepthExceeded) }
        if let e = caller.charge(staticCost) { return .error(e) }
        var variables = args
        if variableCount > arity {
            variables.reserveCapacity(variableCount)
            for _ in arity..<variableCount {
                variables.append(.error(CELError("no such attribute: only parameters are bound in function '\(name)'")))
            }
        }
        return Frame.evaluate(root, variables: variables, shape: shape, limits: limits,
                              cost: &caller.cost, iterations: &caller.iterations, callDepth: caller.callDepth + 1)
    }
}
