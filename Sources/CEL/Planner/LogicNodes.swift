/// `&&`, `||`, `?:` and `@not_strictly_false`: the non-strict operators. `&&` and `||`
/// are commutative over errors: `false && error` and `error && false` are both false,
/// and an error only wins when the other side does not decide the result.

final class AndNode: Node, @unchecked Sendable {
    let lhs: Node
    let rhs: Node
    init(_ lhs: Node, _ rhs: Node, offset: Int32) {
        self.lhs = lhs
        self.rhs = rhs
        super.init(offset: offset)
    }
    override func eval(_ frame: inout Frame) -> Value {
        let l = lhs.eval(&frame)
        if case .bool(false) = l { return l }
        let r = rhs.eval(&frame)
        if case .bool(let b) = r {
            if !b { return r }
            if case .bool = l { return l }
        }
        if case .error = l { return l }
        if case .error = r { return r }
        return fail(.noSuchOverload("_&&_", l, r))
    }
}

final class OrNode: Node, @unchecked Sendable {
    let lhs: Node
    let rhs: Node
    init(_ lhs: Node, _ rhs: Node, offset: Int32) {
        self.lhs = lhs
        self.rhs = rhs
        super.init(offset: offset)
    }
    override func eval(_ frame: inout Frame) -> Value {
        let l = lhs.eval(&frame)
        if case .bool(true) = l { return l }
        let r = rhs.eval(&frame)
        if case .bool(let b) = r {
            if b { return r }
            if case .bool = l { return l }
        }
        if case .error = l { return l }
        if case .error = r { return r }
        return fail(.noSuchOverload("_||_", l, r))
    }
}

final class ConditionalNode: Node, @unchecked Sendable {
    let condition: Node
    let then: Node
    let otherwise: Node
    init(_ condition: Node, _ then: Node, _ otherwise: Node, offset: Int32) {
        self.condition = condition
        self.then = then
        self.otherwise = otherwise
        super.init(offset: offset)
    }
    override func eval(_ frame: inout Frame) -> Value {
        switch condition.eval(&frame) {
        case .bool(true): return then.eval(&frame)
        case .bool(false): return otherwise.eval(&frame)
        case .error(let e): return .error(e)
        case let c: return fail(.noSuchOverload("_?_:_", c))
        }
    }
}

/// `x == 'c' ? a : b` (or `!=`): `ConditionalNode` over a `StringConstantEqualsNode`,
/// fused, so that a rule choosing by a string field (`tier == 'gold' ? ...`) costs one
/// node call per choice instead of two. Same results: an error in `x` is the result, a
/// value that is not a string is unequal.
final class StringConditionalNode: Node, @unchecked Sendable {
    let operand: Operand
    let constant: FieldName
    let negated: Bool
    let then: Node
    let otherwise: Node
    init(_ test: StringConstantEqualsNode, _ then: Node, _ otherwise: Node, offset: Int32) {
        self.operand = test.operand
        self.constant = test.constant
        self.negated = test.negated
        self.then = then
        self.otherwise = otherwise
        super.init(offset: offset)
    }
    override func eval(_ frame: inout Frame) -> Value {
        let holds: Bool
        if let p = operand.address(&frame) {
            guard let outcome = StringConstantEqualsNode.holds(p.pointee, constant, negated: negated) else {
                return p.pointee
            }
            holds = outcome
        } else {
            let value = operand.node.eval(&frame)
            guard let outcome = StringConstantEqualsNode.holds(value, constant, negated: negated) else { return value }
            holds = outcome
        }
        return holds ? then.eval(&frame) : otherwise.eval(&frame)
    }
}

/// `x < c ? a : b` (any comparison with a double constant): `ConditionalNode` over a
/// `DoubleConstantComparisonNode`, fused for a double `x` read in place; anything else
/// (an int, an error, a computed `x`) runs the comparison node and branches as
/// `ConditionalNode` does.
final class DoubleConditionalNode: Node, @unchecked Sendable {
    let test: DoubleConstantComparisonNode
    let op: ComparisonOperator
    let lhs: Operand
    let constant: Double
    let then: Node
    let otherwise: Node
    init(_ test: DoubleConstantComparisonNode, _ then: Node, _ otherwise: Node, offset: Int32) {
        self.test = test
        self.op = test.op
        self.lhs = test.lhs
        self.constant = test.constant
        self.then = then
        self.otherwise = otherwise
        super.init(offset: offset)
    }
    override func eval(_ frame: inout Frame) -> Value {
        if let p = lhs.address(&frame), case .double(let a) = p.pointee {
            return op.compare(a, constant) ? then.eval(&frame) : otherwise.eval(&frame)
        }
        switch test.eval(&frame) {
        case .bool(true): return then.eval(&frame)
        case .bool(false): return otherwise.eval(&frame)
        case .error(let e): return .error(e)
        case let c: return fail(.noSuchOverload("_?_:_", c))
        }
    }
}

/// `@not_strictly_false(x)`: true unless `x` is `false` (errors count as true), so that
/// `all`/`exists` keep iterating past errors and decide at the end.
final class NotStrictlyFalseNode: Node, @unchecked Sendable {
    let operand: Node
    init(_ operand: Node, offset: Int32) {
        self.operand = operand
        super.init(offset: offset)
    }
    override func eval(_ frame: inout Frame) -> Value {
        if case .bool(false) = operand.eval(&frame) { return .bool(false) }
        return .bool(true)
    }
}

/// `!x` for a bool.
final class NotNode: Node, @unchecked Sendable {
    let operand: Node
    init(_ operand: Node, offset: Int32) {
        self.operand = operand
        super.init(offset: offset)
    }
    override func eval(_ frame: inout Frame) -> Value {
        switch operand.eval(&frame) {
        case .bool(let b): return .bool(!b)
        case .error(let e): return .error(e)
        case let v: return fail(.noSuchOverload("!_", v))
        }
    }
}
