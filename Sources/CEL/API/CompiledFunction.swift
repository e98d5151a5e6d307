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
    /// The callee the longest chain goes through (the first in the body, of several as
    /// deep), so that a chain past `Limits.maxCallDepth` can be named function by function.
    let deepestCallee: CompiledFunction?
    let limits: Limits

    init(name: String, arity: Int, root: Node, variableCount: Int, shape: FrameShape, staticCost: Int,
         addedDepth: Int, callDepth: Int, deepestCallee: CompiledFunction?, resultType: CELType, limits: Limits) {
        self.name = name
        self.arity = arity
        self.root = root
        self.variableCount = variableCount
        self.shape = shape
        self.staticCost = staticCost
        self.addedDepth = addedDepth
        self.callDepth = callDepth
        self.deepestCallee = deepestCallee
        self.resultType = resultType
        self.limits = limits
    }

    /// Calls the function with a fresh budget (`Limits.maxCost`). A wrong number of
    /// arguments is an error value.
    public func call(_ args: [Value]) -> Value {
        var frame = Frame(limits: limits)
        return invoke(args, caller: &frame)
    }

    /// Runs the body with the caller's budget (up to the caller's `maxCost`), charging the
    /// body's static cost; one level deeper than the caller, refused beyond `Limits.maxCallDepth`.
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
        return Frame.evaluate(root, variables: variables, shape: shape, limits: limits, maxCost: caller.maxCost,
                              cost: &caller.cost, iterations: &caller.iterations, callDepth: caller.callDepth + 1)
    }
}

extension CompiledFunction {
    /// A chain of compiled calls as `a.f → a.g → b.h`: `caller` (if any), then `callee`
    /// and the callees its longest chain goes through; the middle of a long chain elided.
    static func describeChain(caller: String?, callee: CompiledFunction?) -> String {
        var names = caller.map { [$0] } ?? []
        var link = callee
        while let current = link {
            names.append(current.name)
            link = current.deepestCallee
        }
        let shown = 6
        guard names.count > 2 * shown else { return names.joined(separator: " → ") }
        return (names.prefix(shown) + ["… \(names.count - 2 * shown) more …"] + names.suffix(shown))
            .joined(separator: " → ")
    }
}
