/// The mutable state of one evaluation: variable values in slots (bound before the
/// evaluation starts), comprehension variables in local slots, and the budget spent.
/// Passed `inout` through the evaluator tree, so it needs no locking and no allocation
/// beyond the local slots.
struct Frame {
    /// Variable values in the program's slot order.
    let variables: [Value]
    /// Comprehension variables and accumulators.
    var locals: [Value]
    /// Cost units spent so far (shared with compiled functions called from this frame).
    var cost: Int
    /// Comprehension iterations run so far.
    var iterations: Int
    let maxCost: Int
    let maxIterations: Int

    init(variables: [Value], localCount: Int, limits: Limits, cost: Int = 0, iterations: Int = 0) {
        self.variables = variables
        self.locals = localCount == 0 ? [] : Array(repeating: .null, count: localCount)
        self.cost = cost
        self.iterations = iterations
        self.maxCost = limits.maxCost
        self.maxIterations = limits.maxIterations
    }

    /// Charges `units` of cost; returns an error value when the budget is exhausted.
    @inline(__always)
    mutating func charge(_ units: Int) -> CELError? {
        cost &+= units
        return cost > maxCost ? Frame.costExceeded : nil
    }

    static let costExceeded = CELError("cost budget exceeded: the evaluation was stopped (Limits.maxCost)")
    static let iterationsExceeded = CELError("comprehension iteration limit exceeded (Limits.maxIterations)")
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
