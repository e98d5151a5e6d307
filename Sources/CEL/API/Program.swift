/// A compiled expression: immutable, evaluated synchronously without locks, safe to use
/// from many threads at once.
public struct Program: Sendable {
    /// The checker's type of the result (`dyn` when it depends on the input).
    public var resultType: CELType
    /// The variables the expression reads, in slot order.
    public var variableNames: [String] { core.variableNames }

    let core: ProgramCore

    init(root: Node, variableNames: [String], shape: FrameShape, resultType: CELType, limits: Limits) {
        self.resultType = resultType
        self.core = ProgramCore(root: root, variableNames: variableNames, shape: shape, limits: limits)
    }

    /// Evaluates with variables bound by name. A variable the expression reads but the
    /// bindings lack evaluates to an error. Errors are returned as `.error` values.
    public func evaluate(_ bindings: [String: Value] = [:]) -> Value {
        evaluate(Activation(program: self, bindings: bindings))
    }

    /// Evaluates with pre-bound slots (the fast path for repeated evaluation).
    public func evaluate(_ activation: Activation) -> Value {
        if let constant = core.constant { return constant }
        return Frame.evaluate(core.root, variables: activation.values, shape: core.shape, limits: core.limits)
    }

    /// Evaluates with variables bound by name, spending at most what `budget` has left (and
    /// at most `Limits.maxCost`) and charging it what was spent. When the budget did not
    /// cover the evaluation (or was exhausted before) the result is an error and
    /// `budget.isExhausted` is set. A program folded to a constant costs nothing.
    public func evaluate(_ bindings: [String: Value] = [:], budget: inout CostBudget) -> Value {
        if let constant = core.constant { return constant }
        guard !budget.isExhausted else { return .error(CostBudget.exhaustedError) }
        let activation = Activation(program: self, bindings: bindings)
        var cost = 0, iterations = 0
        let value = Frame.evaluate(core.root, variables: activation.values, shape: core.shape, limits: core.limits,
                                   maxCost: budget.allowance(core.limits), cost: &cost, iterations: &iterations)
        budget.charge(cost)
        return budget.isExhausted ? .error(CostBudget.exhaustedError) : value
    }

    /// A fresh activation for this program with every variable unbound.
    public func makeActivation() -> Activation { Activation(program: self, bindings: [:]) }
}

/// The shared, immutable part of a program.
final class ProgramCore: Sendable {
    let root: Node
    let variableNames: [String]
    let slots: [String: Int]
    let shape: FrameShape
    let limits: Limits
    /// The result when the whole expression folded to a constant.
    let constant: Value?

    init(root: Node, variableNames: [String], shape: FrameShape, limits: Limits) {
        self.root = root
        self.variableNames = variableNames
        var slots: [String: Int] = [:]
        for (i, name) in variableNames.enumerated() { slots[name] = i }
        self.slots = slots
        self.shape = shape
        self.limits = limits
        self.constant = root.constantValue
    }
}

/// Variable values bound to a program's slots, ready for repeated evaluation.
public struct Activation: Sendable {
    let slots: [String: Int]
    var values: [Value]

    /// Binds the variables of `program` from `bindings`; missing ones are unbound.
    public init(program: Program, bindings: [String: Value]) {
        self.slots = program.core.slots
        self.values = program.core.variableNames.map { name in
            bindings[name] ?? Activation.unbound(name)
        }
    }

    static func unbound(_ name: String) -> Value {
        .error(CELError("no such attribute: variable '\(name)' is not bound"))
    }

    /// Binds one variable; returns false if the program does not read that variable.
    @discardableResult
    public mutating func bind(_ name: String, _ value: Value) -> Bool {
        guard let slot = slots[name] else { return false }
        values[slot] = value
        return true
    }

    /// The value bound to a variable the program reads.
    public subscript(name: String) -> Value? {
        slots[name].map { values[$0] }
    }
}
