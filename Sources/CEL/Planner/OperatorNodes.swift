/// Specialised nodes for the hot operators: arithmetic and comparisons with inline
/// int/double fast paths, equality, string concatenation chains and `in` over constant
/// lists. Anything the fast paths do not cover goes to the library's overloads.

enum ArithmeticOperator: Sendable {
    case add, subtract, multiply, divide, modulo
}

final class ArithmeticNode: Node, @unchecked Sendable {
    let op: ArithmeticOperator
    let lhs: Node
    let rhs: Node
    let fallback: Dispatcher
    init(_ op: ArithmeticOperator, _ lhs: Node, _ rhs: Node, fallback: Dispatcher, offset: Int32) {
        self.op = op
        self.lhs = lhs
        self.rhs = rhs
        self.fallback = fallback
        super.init(offset: offset)
    }

    override func eval(_ frame: inout Frame) -> Value {
        let l = lhs.eval(&frame)
        let r = rhs.eval(&frame)
        // Nested matches rather than a switch over the pair: no copy of the two values.
        if case .double(let a) = l, case .double(let b) = r {
            switch op {
            case .add: return .double(a + b)
            case .subtract: return .double(a - b)
            case .multiply: return .double(a * b)
            case .divide: return .double(a / b)
            case .modulo: break
            }
        } else if case .int(let a) = l, case .int(let b) = r {
            return intResult(a, b)
        }
        if case .error = l { return l }
        if case .error = r { return r }
        return located(fallback.call2(l, r))
    }

    @inline(__always)
    private func intResult(_ a: Int64, _ b: Int64) -> Value {
        ArithmeticNode.intResult(op, a, b, self)
    }

    /// `a op b` on ints with overflow and division checks; errors carry `node`'s offset.
    @inline(__always)
    static func intResult(_ op: ArithmeticOperator, _ a: Int64, _ b: Int64, _ node: Node) -> Value {
        let (v, overflow): (Int64, Bool)
        switch op {
        case .add: (v, overflow) = a.addingReportingOverflow(b)
        case .subtract: (v, overflow) = a.subtractingReportingOverflow(b)
        case .multiply: (v, overflow) = a.multipliedReportingOverflow(by: b)
        case .divide:
            if b == 0 { return node.fail(.divisionByZero) }
            (v, overflow) = a.dividedReportingOverflow(by: b)
        case .modulo:
            if b == 0 { return node.fail(.modulusByZero) }
            (v, overflow) = a.remainderReportingOverflow(dividingBy: b)
        }
        return overflow ? node.fail(.overflow) : .int(v)
    }
}

/// `x op c` where `c` is an int constant: one child to evaluate, same checks as `ArithmeticNode`.
final class IntConstantArithmeticNode: Node, @unchecked Sendable {
    let op: ArithmeticOperator
    let lhs: Node
    let constant: Int64
    let fallback: Dispatcher
    init(_ op: ArithmeticOperator, _ lhs: Node, _ constant: Int64, fallback: Dispatcher, offset: Int32) {
        self.op = op
        self.lhs = lhs
        self.constant = constant
        self.fallback = fallback
        super.init(offset: offset)
    }

    override func eval(_ frame: inout Frame) -> Value {
        let l = lhs.eval(&frame)
        if case .int(let a) = l { return ArithmeticNode.intResult(op, a, constant, self) }
        if case .error = l { return l }
        return located(fallback.call2(l, .int(constant)))
    }
}

/// `x op c` where `c` is a double constant (not `%`): one child to evaluate, and the
/// double case needs no second value.
final class DoubleConstantArithmeticNode: Node, @unchecked Sendable {
    let op: ArithmeticOperator
    let lhs: Node
    let constant: Double
    let fallback: Dispatcher
    init(_ op: ArithmeticOperator, _ lhs: Node, _ constant: Double, fallback: Dispatcher, offset: Int32) {
        self.op = op
        self.lhs = lhs
        self.constant = constant
        self.fallback = fallback
        super.init(offset: offset)
    }

    override func eval(_ frame: inout Frame) -> Value {
        let l = lhs.eval(&frame)
        if case .double(let a) = l {
            switch op {
            case .add: return .double(a + constant)
            case .subtract: return .double(a - constant)
            case .multiply: return .double(a * constant)
            case .divide: return .double(a / constant)
            case .modulo: break
            }
        }
        if case .error = l { return l }
        return located(fallback.call2(l, .double(constant)))
    }
}

enum ComparisonOperator: Sendable {
    case less, lessEquals, greater, greaterEquals

    /// The comparison on two values of one Swift type (inlined and specialised at each use).
    @inline(__always)
    func compare<T: Comparable>(_ a: T, _ b: T) -> Bool {
        switch self {
        case .less: return a < b
        case .lessEquals: return a <= b
        case .greater: return a > b
        case .greaterEquals: return a >= b
        }
    }

    @inline(__always)
    func holds(_ ordering: CELOrdering) -> Bool {
        switch (self, ordering) {
        case (_, .unordered): return false
        case (.less, .less), (.lessEquals, .less), (.lessEquals, .equal),
             (.greater, .greater), (.greaterEquals, .greater), (.greaterEquals, .equal):
            return true
        default: return false
        }
    }
}

final class ComparisonNode: Node, @unchecked Sendable {
    let op: ComparisonOperator
    let lhs: Node
    let rhs: Node
    let fallback: Dispatcher
    init(_ op: ComparisonOperator, _ lhs: Node, _ rhs: Node, fallback: Dispatcher, offset: Int32) {
        self.op = op
        self.lhs = lhs
        self.rhs = rhs
        self.fallback = fallback
        super.init(offset: offset)
    }

    override func eval(_ frame: inout Frame) -> Value {
        let l = lhs.eval(&frame)
        let r = rhs.eval(&frame)
        // Nested matches rather than a switch over the pair: no copy of the two values.
        if case .int(let a) = l, case .int(let b) = r {
            return .bool(op.compare(a, b))
        }
        if case .double(let a) = l, case .double(let b) = r {
            return .bool(op.compare(a, b))
        }
        if case .error = l { return l }
        if case .error = r { return r }
        if let ordering = l.compare(r) { return .bool(op.holds(ordering)) }
        return located(fallback.call2(l, r))
    }
}

/// `x op c` where `c` is a double constant: compares a double operand without a second value.
final class DoubleConstantComparisonNode: Node, @unchecked Sendable {
    let op: ComparisonOperator
    let lhs: Node
    let constant: Double
    let fallback: Dispatcher
    init(_ op: ComparisonOperator, _ lhs: Node, _ constant: Double, fallback: Dispatcher, offset: Int32) {
        self.op = op
        self.lhs = lhs
        self.constant = constant
        self.fallback = fallback
        super.init(offset: offset)
    }

    override func eval(_ frame: inout Frame) -> Value {
        let l = lhs.eval(&frame)
        if case .double(let a) = l {
            return .bool(op.compare(a, constant))
        }
        if case .error = l { return l }
        let r = Value.double(constant)
        if let ordering = l.compare(r) { return .bool(op.holds(ordering)) }
        return located(fallback.call2(l, r))
    }
}

/// `x op c` where `c` is an int constant: compares an int operand without a second value.
final class IntConstantComparisonNode: Node, @unchecked Sendable {
    let op: ComparisonOperator
    let lhs: Node
    let constant: Int64
    let fallback: Dispatcher
    init(_ op: ComparisonOperator, _ lhs: Node, _ constant: Int64, fallback: Dispatcher, offset: Int32) {
        self.op = op
        self.lhs = lhs
        self.constant = constant
        self.fallback = fallback
        super.init(offset: offset)
    }

    override func eval(_ frame: inout Frame) -> Value {
        let l = lhs.eval(&frame)
        if case .int(let a) = l {
            return .bool(op.compare(a, constant))
        }
        if case .error = l { return l }
        let r = Value.int(constant)
        if let ordering = l.compare(r) { return .bool(op.holds(ordering)) }
        return located(fallback.call2(l, r))
    }
}

/// `==` and `!=` (with `negated`): CEL equality, strict in errors.
final class EqualsNode: Node, @unchecked Sendable {
    let lhs: Node
    let rhs: Node
    let negated: Bool
    init(_ lhs: Node, _ rhs: Node, negated: Bool, offset: Int32) {
        self.lhs = lhs
        self.rhs = rhs
        self.negated = negated
        super.init(offset: offset)
    }

    override func eval(_ frame: inout Frame) -> Value {
        let l = lhs.eval(&frame)
        let r = rhs.eval(&frame)
        let equal: Bool
        switch (l, r) {
        case (.string(let a), .string(let b)): equal = Value.utf8Equal(a, b)
        case (.int(let a), .int(let b)): equal = a == b
        case (.error, _): return l
        case (_, .error): return r
        default: equal = l.celEquals(r)
        }
        return .bool(equal != negated)
    }
}

/// `x == 'constant'` (or `!=`): compares against an interned string.
final class StringConstantEqualsNode: Node, @unchecked Sendable {
    let operand: Node
    let constant: FieldName
    let negated: Bool
    init(_ operand: Node, _ constant: String, negated: Bool, offset: Int32) {
        self.operand = operand
        self.constant = FieldName(constant)
        self.negated = negated
        super.init(offset: offset)
    }

    override func eval(_ frame: inout Frame) -> Value {
        switch operand.eval(&frame) {
        case .string(let s): return .bool(constant.matches(s) != negated)
        case .error(let e): return .error(e)
        default: return .bool(negated)
        }
    }
}

/// `a + b + c + ...` where the checker knows every operand is a string: one allocation.
final class ConcatNode: Node, @unchecked Sendable {
    let parts: [Node]
    let maxBytes: Int
    /// The parts again as properties when there are at most four (the usual case), missing
    /// ones as empty strings: calling a stored child needs no retain, unlike one read
    /// from the array.
    private let few: Bool
    private let first: Node
    private let second: Node
    private let third: Node
    private let fourth: Node

    init(_ parts: [Node], maxBytes: Int, offset: Int32) {
        self.parts = parts
        self.maxBytes = maxBytes
        few = parts.count <= 4
        let empty = ConstNode(.string(""), offset: offset)
        first = few && parts.count > 0 ? parts[0] : empty
        second = few && parts.count > 1 ? parts[1] : empty
        third = few && parts.count > 2 ? parts[2] : empty
        fourth = few && parts.count > 3 ? parts[3] : empty
        super.init(offset: offset)
    }

    override func eval(_ frame: inout Frame) -> Value {
        guard few else { return evalParts(&frame) }
        var s0 = "", s1 = "", s2 = "", s3 = ""
        if let failure = evalString(first, &frame, into: &s0) { return failure }
        if let failure = evalString(second, &frame, into: &s1) { return failure }
        if let failure = evalString(third, &frame, into: &s2) { return failure }
        if let failure = evalString(fourth, &frame, into: &s3) { return failure }
        let total = s0.utf8.count + s1.utf8.count + s2.utf8.count + s3.utf8.count
        guard total <= maxBytes else {
            return fail(CELError("string exceeds the size limit (Limits.maxStringBytes)"))
        }
        let result = String(unsafeUninitializedCapacity: total) { out in
            var position = 0
            ConcatNode.copy(&s0, into: out, at: &position)
            ConcatNode.copy(&s1, into: out, at: &position)
            ConcatNode.copy(&s2, into: out, at: &position)
            ConcatNode.copy(&s3, into: out, at: &position)
            return position
        }
        return .string(result)
    }

    /// Evaluates a part into `string`; the error value when it is not a string.
    @inline(__always)
    private func evalString(_ node: Node, _ frame: inout Frame, into string: inout String) -> Value? {
        switch node.eval(&frame) {
        case .string(let s):
            string = s
            return nil
        case .error(let e):
            return .error(e)
        case let v:
            return fail(.noSuchOverload("_+_", .string(""), v))
        }
    }

    /// Appends the UTF-8 bytes of `part` to `out` at `position` (when they fit).
    @inline(__always)
    private static func copy(_ part: inout String, into out: UnsafeMutableBufferPointer<UInt8>,
                             at position: inout Int) {
        part.withUTF8 { bytes in
            guard let src = bytes.baseAddress, let dst = out.baseAddress,
                  position + bytes.count <= out.count else { return }
            (dst + position).update(from: src, count: bytes.count)
            position += bytes.count
        }
    }

    /// Any number of parts.
    private func evalParts(_ frame: inout Frame) -> Value {
        let count = parts.count
        return withUnsafeTemporaryAllocation(of: String.self, capacity: count) { strings -> Value in
            guard let base = strings.baseAddress else { return .string("") }
            var initialized = 0
            defer { base.deinitialize(count: initialized) }
            var total = 0
            for node in parts {
                switch node.eval(&frame) {
                case .string(let s):
                    (base + initialized).initialize(to: s)
                    initialized += 1
                    total += s.utf8.count
                case .error(let e):
                    return .error(e)
                case let v:
                    return fail(.noSuchOverload("_+_", .string(""), v))
                }
            }
            guard total <= maxBytes else {
                return fail(CELError("string exceeds the size limit (Limits.maxStringBytes)"))
            }
            // One allocation for the result, filled with each part's UTF-8 bytes.
            let result = String(unsafeUninitializedCapacity: total) { out in
                var position = 0
                for i in 0..<initialized {
                    var part = base[i]
                    part.withUTF8 { bytes in
                        guard let src = bytes.baseAddress, let dst = out.baseAddress,
                              position + bytes.count <= out.count else { return }
                        (dst + position).update(from: src, count: bytes.count)
                        position += bytes.count
                    }
                }
                return position
            }
            return .string(result)
        }
    }
}

/// `x in [constant ints]`: binary search over the sorted constants.
final class InIntListNode: Node, @unchecked Sendable {
    let operand: Node
    let sorted: [Int64]
    init(_ operand: Node, sorted: [Int64], offset: Int32) {
        self.operand = operand
        self.sorted = sorted
        super.init(offset: offset)
    }

    override func eval(_ frame: inout Frame) -> Value {
        let v = operand.eval(&frame)
        let needle: Int64
        switch v {
        case .int(let i): needle = i
        case .error: return v
        default:
            guard case .int(let i)? = CELMap.key(for: v) else { return .bool(false) }
            needle = i
        }
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            let x = sorted[mid]
            if x == needle { return .bool(true) }
            if x < needle { lo = mid + 1 } else { hi = mid }
        }
        return .bool(false)
    }
}

/// `x in [constants]` where every constant can be a map key (bool, int, uint, string or an
/// integral double): a hash set with CEL's numeric key normalisation.
final class InKeySetNode: Node, @unchecked Sendable {
    let operand: Node
    let keys: Set<CELMap.Key>
    init(_ operand: Node, keys: Set<CELMap.Key>, offset: Int32) {
        self.operand = operand
        self.keys = keys
        super.init(offset: offset)
    }

    override func eval(_ frame: inout Frame) -> Value {
        let v = operand.eval(&frame)
        if case .error = v { return v }
        guard let key = CELMap.key(for: v) else { return .bool(false) }
        return .bool(keys.contains(key))
    }
}
