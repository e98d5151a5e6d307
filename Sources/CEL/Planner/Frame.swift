/// The mutable state of one evaluation: variable values in slots (bound before the
/// evaluation starts), comprehension variables in local slots, and the budget spent.
/// Passed `inout` through the evaluator tree, so it needs no locking and no allocation
/// beyond the local slots.
struct Frame {
    /// Variable values in the program's slot order (borrowed for the evaluation).
    let variables: UnsafeBufferPointer<Value>
    /// Comprehension accumulators and index variables (owned by the evaluation).
    let locals: UnsafeMutableBufferPointer<Value>
    /// Comprehension element variables: pointers to the element being visited, inside the
    /// storage of the range list or map (kept alive by the comprehension while it loops),
    /// so that visiting an element copies nothing.
    let cursors: UnsafeMutableBufferPointer<UnsafePointer<Value>?>
    /// Cost units spent so far (shared with compiled functions called from this frame).
    var cost: Int
    /// Comprehension iterations run so far.
    var iterations: Int
    /// Compiled-function calls this frame is nested in (0 for a program's own frame).
    let callDepth: Int
    let maxCost: Int
    let maxIterations: Int
    let maxCallDepth: Int

    init(variables: UnsafeBufferPointer<Value>, locals: UnsafeMutableBufferPointer<Value>,
         cursors: UnsafeMutableBufferPointer<UnsafePointer<Value>?>, limits: Limits, maxCost: Int,
         cost: Int = 0, iterations: Int = 0, callDepth: Int = 0) {
        self.variables = variables
        self.locals = locals
        self.cursors = cursors
        self.cost = cost
        self.iterations = iterations
        self.callDepth = callDepth
        self.maxCost = maxCost
        self.maxIterations = limits.maxIterations
        self.maxCallDepth = limits.maxCallDepth
    }

    /// A frame without variables, locals or cursors (a call on constant arguments).
    init(limits: Limits) {
        self.init(variables: UnsafeBufferPointer(start: nil, count: 0),
                  locals: UnsafeMutableBufferPointer(start: nil, count: 0),
                  cursors: UnsafeMutableBufferPointer(start: nil, count: 0), limits: limits, maxCost: limits.maxCost)
    }

    /// Evaluates `root` with a fresh budget over `variables`, `shape.locals` fresh local
    /// slots and `shape.cursors` cursors (on the stack). The planner sizes slots and cursors
    /// so that every index a node uses is in range.
    static func evaluate(_ root: Node, variables: [Value], shape: FrameShape, limits: Limits) -> Value {
        var cost = 0, iterations = 0
        return evaluate(root, variables: variables, shape: shape, limits: limits, maxCost: limits.maxCost,
                        cost: &cost, iterations: &iterations)
    }

    /// Evaluates `root` starting from the budget already spent (`cost`, `iterations`) and
    /// returns with them updated; `maxCost` is the cost it may reach (the caller's, for a
    /// compiled function: its callees spend from its budget, whatever their own limits),
    /// `callDepth` the new frame's nesting in compiled calls.
    ///
    /// Takes the root node, not a closure: a closure capturing the node (or the program
    /// holding it) made Swift retain and release it around every evaluation, an atomic pair
    /// that cost as much as evaluating a small expression. Inside the buffer closures the
    /// node travels unmanaged for the same reason; the caller's reference keeps it alive.
    static func evaluate(_ root: Node, variables: [Value], shape: FrameShape, limits: Limits, maxCost: Int,
                         cost: inout Int, iterations: inout Int, callDepth: Int = 0) -> Value {
        let node = Unmanaged.passUnretained(root)
        return variables.withUnsafeBufferPointer { vars in
            guard shape.locals > 0 || shape.cursors > 0 else {
                var frame = Frame(variables: vars, locals: UnsafeMutableBufferPointer(start: nil, count: 0),
                                  cursors: UnsafeMutableBufferPointer(start: nil, count: 0),
                                  limits: limits, maxCost: maxCost, cost: cost, iterations: iterations, callDepth: callDepth)
                return run(node, &frame, cost: &cost, iterations: &iterations)
            }
            if shape.locals == 0, shape.cursors <= 4 {
                // Cursors alone (paths kept by `VariableSelectNode`): a few words on the stack,
                // cheaper than a temporary allocation (measured: ternary_rule).
                var storage: (UnsafePointer<Value>?, UnsafePointer<Value>?, UnsafePointer<Value>?,
                              UnsafePointer<Value>?) = (nil, nil, nil, nil)
                return withUnsafeMutableBytes(of: &storage) { raw in
                    let cursors = raw.bindMemory(to: UnsafePointer<Value>?.self)
                    var frame = Frame(variables: vars, locals: UnsafeMutableBufferPointer(start: nil, count: 0),
                                      cursors: UnsafeMutableBufferPointer(rebasing: cursors[..<shape.cursors]),
                                      limits: limits, maxCost: maxCost, cost: cost, iterations: iterations, callDepth: callDepth)
                    return run(node, &frame, cost: &cost, iterations: &iterations)
                }
            }
            return withUnsafeTemporaryAllocation(of: Value.self, capacity: shape.locals) { locals in
                locals.initialize(repeating: .null)
                defer { if let base = locals.baseAddress { base.deinitialize(count: shape.locals) } }
                guard shape.cursors > 0 else {
                    var frame = Frame(variables: vars, locals: locals,
                                      cursors: UnsafeMutableBufferPointer(start: nil, count: 0),
                                      limits: limits, maxCost: maxCost, cost: cost, iterations: iterations, callDepth: callDepth)
                    return run(node, &frame, cost: &cost, iterations: &iterations)
                }
                return withUnsafeTemporaryAllocation(of: UnsafePointer<Value>?.self, capacity: shape.cursors) { cursors in
                    cursors.initialize(repeating: nil)
                    var frame = Frame(variables: vars, locals: locals, cursors: cursors, limits: limits,
                                      maxCost: maxCost, cost: cost, iterations: iterations, callDepth: callDepth)
                    return run(node, &frame, cost: &cost, iterations: &iterations)
                }
            }
        }
    }

    @inline(__always)
    private static func run(_ node: Unmanaged<Node>, _ frame: inout Frame, cost: inout Int,
                            iterations: inout Int) -> Value {
        let value = node._withUnsafeGuaranteedRef { $0.eval(&frame) }
        cost = frame.cost
        iterations = frame.iterations
        // `e || true` absorbs an error value, but a limit that stopped the evaluation
        // somewhere must stop it all: otherwise the result would depend on work never done.
        if frame.cost > frame.maxCost, !value.isError { return .error(Frame.costExceeded) }
        if frame.iterations > frame.maxIterations, !value.isError { return .error(Frame.iterationsExceeded) }
        return value
    }

    /// Charges `units` of cost; returns an error value when the budget is exhausted.
    @inline(__always)
    mutating func charge(_ units: Int) -> CELError? {
        cost &+= units
        return cost > maxCost ? Frame.costExceeded : nil
    }

    /// Runs a metered implementation with the budget left and keeps what it spent.
    mutating func spend(_ a: Value, _ b: Value, _ implementation: MeteredImplementation) -> Value {
        var budget = maxCost &- cost
        let result = implementation(a, b, &budget)
        cost = maxCost &- budget
        if cost > maxCost, !result.isError { return .error(Frame.costExceeded) }
        return result
    }

    /// As `spend(_:_:_:)`, for a metered implementation of any arity.
    mutating func spend(_ args: [Value], _ implementation: MeteredArgumentsImplementation) -> Value {
        var budget = maxCost &- cost
        let result = implementation(args, &budget)
        cost = maxCost &- budget
        if cost > maxCost, !result.isError { return .error(Frame.costExceeded) }
        return result
    }

    static let costExceeded = CELError("cost budget exceeded: the evaluation was stopped (Limits.maxCost)")
    static let iterationsExceeded = CELError("comprehension iteration limit exceeded (Limits.maxIterations)")
    static let tooDeep = CELError("value nested more than \(Value.maxTraversalDepth) levels deep (Value.maxTraversalDepth)")
    static let callDepthExceeded = CELError("compiled function calls nested too deeply (Limits.maxCallDepth)")
}

/// How many local slots and cursors a program or function body needs.
struct FrameShape: Sendable {
    var locals = 0
    var cursors = 0
    static let empty = FrameShape()
}

/// One node of the evaluator tree. Subclasses are final and immutable once planned.
///
/// `@unchecked Sendable`: nodes only have `let` properties set at planning time and are
/// never mutated afterwards, so sharing them between threads is safe.
class Node: @unchecked Sendable {
    /// Byte offset of the source node, attached to errors this node produces.
    let offset: Int32

    init(offset: Int32) { self.offset = offset }

    /// Evaluates the node. Errors are returned as `.error` values, never thrown.
    func eval(_ frame: inout Frame) -> Value {
        .error(CELError("internal error: node without evaluator", offset: offset))
    }

    /// The constant this node always produces, if it is a constant.
    var constantValue: Value? { nil }

    /// Attaches this node's offset to an error that has none.
    @inline(__always)
    final func located(_ value: Value) -> Value {
        if case .error(let e) = value, e.offset == nil {
            return .error(CELError(e.message, offset: offset))
        }
        return value
    }

    @inline(__always)
    final func fail(_ error: CELError) -> Value {
        .error(CELError(error.message, offset: error.offset ?? offset))
    }
}
