/// Specialised nodes for the hot operators: arithmetic and comparisons with inline
/// int/double fast paths, equality, string concatenation chains and `in` over constant
/// lists. Anything the fast paths do not cover goes to the library's overloads.

enum ArithmeticOperator: Sendable {
    case add, subtract, multiply, divide, modulo

    /// `a op b` on doubles; nil for `%`, which CEL does not define on doubles.
    @inline(__always)
    func apply(_ a: Double, _ b: Double) -> Double? {
        switch self {
        case .add: return a + b
        case .subtract: return a - b
        case .multiply: return a * b
        case .divide: return a / b
        case .modulo: return nil
        }
    }
}

final class ArithmeticNode: Node, BinaryOperation, @unchecked Sendable {
    let op: ArithmeticOperator
    let lhs: Operand
    let rhs: Operand
    let fallback: Dispatcher
    init(_ op: ArithmeticOperator, _ lhs: Node, _ rhs: Node, fallback: Dispatcher, offset: Int32) {
        self.op = op
        self.lhs = Operand(lhs)
        self.rhs = Operand(rhs)
        self.fallback = fallback
        super.init(offset: offset)
    }

    override func eval(_ frame: inout Frame) -> Value { Operand.pair(self, lhs, rhs, &frame) }

    @inline(__always)
    func apply(_ l: Value, _ r: Value, _ frame: inout Frame) -> Value {
        // Nested matches rather than a switch over the pair: no copy of the two values.
        if case .double(let a) = l, case .double(let b) = r {
            if let v = op.apply(a, b) { return .double(v) }
        } else if case .int(let a) = l, case .int(let b) = r {
            return intResult(a, b)
        }
        return other(l, r, &frame)
    }

    /// Errors and operands the fast paths do not cover.
    private func other(_ l: Value, _ r: Value, _ frame: inout Frame) -> Value {
        if case .error = l { return l }
        if case .error = r { return r }
        return located(fallback.call2(l, r, &frame))
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
    let lhs: Operand
    let constant: Int64
    let fallback: Dispatcher
    init(_ op: ArithmeticOperator, _ lhs: Node, _ constant: Int64, fallback: Dispatcher, offset: Int32) {
        self.op = op
        self.lhs = Operand(lhs)
        self.constant = constant
        self.fallback = fallback
        super.init(offset: offset)
    }

    override func eval(_ frame: inout Frame) -> Value {
        if let p = lhs.address(&frame), case .int(let a) = p.pointee {
            return ArithmeticNode.intResult(op, a, constant, self)
        }
        let l = lhs.node.eval(&frame)
        if case .int(let a) = l { return ArithmeticNode.intResult(op, a, constant, self) }
        if case .error = l { return l }
        return located(fallback.call2(l, .int(constant), &frame))
    }
}

/// `x op c` where `c` is a double constant (not `%`): one child to evaluate, and the
/// double case needs no second value.
final class DoubleConstantArithmeticNode: Node, @unchecked Sendable {
    let op: ArithmeticOperator
    let lhs: Operand
    let constant: Double
    let fallback: Dispatcher
    init(_ op: ArithmeticOperator, _ lhs: Node, _ constant: Double, fallback: Dispatcher, offset: Int32) {
        self.op = op
        self.lhs = Operand(lhs)
        self.constant = constant
        self.fallback = fallback
        super.init(offset: offset)
    }

    override func eval(_ frame: inout Frame) -> Value {
        if let p = lhs.address(&frame), case .double(let a) = p.pointee, let v = op.apply(a, constant) {
            return .double(v)
        }
        let l = lhs.node.eval(&frame)
        if case .double(let a) = l, let v = op.apply(a, constant) { return .double(v) }
        if case .error = l { return l }
        return located(fallback.call2(l, .double(constant), &frame))
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

final class ComparisonNode: Node, BinaryOperation, @unchecked Sendable {
    let op: ComparisonOperator
    let lhs: Operand
    let rhs: Operand
    let fallback: Dispatcher
    init(_ op: ComparisonOperator, _ lhs: Node, _ rhs: Node, fallback: Dispatcher, offset: Int32) {
        self.op = op
        self.lhs = Operand(lhs)
        self.rhs = Operand(rhs)
        self.fallback = fallback
        super.init(offset: offset)
    }

    override func eval(_ frame: inout Frame) -> Value { Operand.pair(self, lhs, rhs, &frame) }

    @inline(__always)
    func apply(_ l: Value, _ r: Value, _ frame: inout Frame) -> Value {
        // Nested matches rather than a switch over the pair: no copy of the two values.
        if case .int(let a) = l, case .int(let b) = r {
            return .bool(op.compare(a, b))
        }
        if case .double(let a) = l, case .double(let b) = r {
            return .bool(op.compare(a, b))
        }
        return other(l, r, &frame)
    }

    /// Errors and operands the fast paths do not cover.
    private func other(_ l: Value, _ r: Value, _ frame: inout Frame) -> Value {
        if case .error = l { return l }
        if case .error = r { return r }
        if !frame.chargeComparison(l, r) { return fail(Frame.costExceeded) }
        if let ordering = l.compare(r) { return .bool(op.holds(ordering)) }
        return located(fallback.call2(l, r, &frame))
    }
}

/// `x op c` where `c` is a double constant: compares a double operand without a second value.
final class DoubleConstantComparisonNode: Node, @unchecked Sendable {
    let op: ComparisonOperator
    let lhs: Operand
    let constant: Double
    let fallback: Dispatcher
    init(_ op: ComparisonOperator, _ lhs: Node, _ constant: Double, fallback: Dispatcher, offset: Int32) {
        self.op = op
        self.lhs = Operand(lhs)
        self.constant = constant
        self.fallback = fallback
        super.init(offset: offset)
    }

    override func eval(_ frame: inout Frame) -> Value {
        if let p = lhs.address(&frame), case .double(let a) = p.pointee {
            return .bool(op.compare(a, constant))
        }
        let l = lhs.node.eval(&frame)
        if case .double(let a) = l {
            return .bool(op.compare(a, constant))
        }
        if case .error = l { return l }
        let r = Value.double(constant)
        if let ordering = l.compare(r) { return .bool(op.holds(ordering)) }
        return located(fallback.call2(l, r, &frame))
    }
}

/// `x op c` where `c` is an int constant: compares an int operand without a second value.
final class IntConstantComparisonNode: Node, @unchecked Sendable {
    let op: ComparisonOperator
    let lhs: Operand
    let constant: Int64
    let fallback: Dispatcher
    init(_ op: ComparisonOperator, _ lhs: Node, _ constant: Int64, fallback: Dispatcher, offset: Int32) {
        self.op = op
        self.lhs = Operand(lhs)
        self.constant = constant
        self.fallback = fallback
        super.init(offset: offset)
    }

    override func eval(_ frame: inout Frame) -> Value {
        if let p = lhs.address(&frame), case .int(let a) = p.pointee {
            return .bool(op.compare(a, constant))
        }
        let l = lhs.node.eval(&frame)
        if case .int(let a) = l {
            return .bool(op.compare(a, constant))
        }
        if case .error = l { return l }
        let r = Value.int(constant)
        if let ordering = l.compare(r) { return .bool(op.holds(ordering)) }
        return located(fallback.call2(l, r, &frame))
    }
}

/// `==` and `!=` (with `negated`): CEL equality, strict in errors.
final class EqualsNode: Node, BinaryOperation, @unchecked Sendable {
    let lhs: Operand
    let rhs: Operand
    let negated: Bool
    init(_ lhs: Node, _ rhs: Node, negated: Bool, offset: Int32) {
        self.lhs = Operand(lhs)
        self.rhs = Operand(rhs)
        self.negated = negated
        super.init(offset: offset)
    }

    override func eval(_ frame: inout Frame) -> Value { Operand.pair(self, lhs, rhs, &frame) }

    @inline(__always)
    func apply(_ l: Value, _ r: Value, _ frame: inout Frame) -> Value {
        if case .string(let a) = l, case .string(let b) = r {
            if !frame.chargeComparison(l, r) { return fail(Frame.costExceeded) }
            return .bool(Value.utf8Equal(a, b) != negated)
        }
        if case .int(let a) = l, case .int(let b) = r { return .bool((a == b) != negated) }
        return other(l, r, &frame)
    }

    /// Errors and the general equality.
    /// Lists and maps are compared element by element, each one charged to the budget.
    private func other(_ l: Value, _ r: Value, _ frame: inout Frame) -> Value {
        if case .error = l { return l }
        if case .error = r { return r }
        var budget = frame.maxCost &- frame.cost
        let equal = l.celEquals(r, budget: &budget, depth: 0)
        frame.cost = frame.maxCost &- budget
        guard let equal else {
            return fail(budget < 0 ? Frame.costExceeded : Frame.tooDeep)
        }
        return .bool(equal != negated)
    }
}

/// `x == 'constant'` (or `!=`): compares against an interned string, reading `x` in place
/// when it is a variable or field.
final class StringConstantEqualsNode: Node, @unchecked Sendable {
    let operand: Operand
    let constant: FieldName
    let negated: Bool
    init(_ operand: Node, _ constant: String, negated: Bool, offset: Int32) {
        self.operand = Operand(operand)
        self.constant = FieldName(constant)
        self.negated = negated
        super.init(offset: offset)
    }

    override func eval(_ frame: inout Frame) -> Value {
        if let p = operand.address(&frame) { return compare(p.pointee) }
        return compare(operand.node.eval(&frame))
    }

    @inline(__always)
    private func compare(_ value: Value) -> Value {
        guard let holds = Self.holds(value, constant, negated: negated) else { return value }
        return .bool(holds)
    }

    /// The comparison's outcome for `value`, nil when `value` is an error (which is then
    /// the result): a value that is not a string is unequal. `StringConditionalNode`
    /// branches on it.
    @inline(__always)
    static func holds(_ value: Value, _ constant: FieldName, negated: Bool) -> Bool? {
        switch value {
        case .string(let s): return constant.matches(s) != negated
        case .error: return nil
        default: return negated
        }
    }
}

/// `size` of a string (`size(s)`, `s.size()`, also when the argument is `dyn`): its code
/// points, read in place (a variable's or field's string is not copied), charged as the
/// library call is (`.linear`: a unit per byte). Any other value (an error, a list)
/// goes to `fallback`, the call's dispatcher.
final class StringSizeNode: Node, @unchecked Sendable {
    let operand: Operand
    let fallback: Dispatcher
    init(_ operand: Node, fallback: Dispatcher, offset: Int32) {
        self.operand = Operand(operand)
        self.fallback = fallback
        super.init(offset: offset)
    }

    override func eval(_ frame: inout Frame) -> Value {
        if let p = operand.address(&frame) { return size(p.pointee, &frame) }
        return size(operand.node.eval(&frame), &frame)
    }

    @inline(__always)
    private func size(_ value: Value, _ frame: inout Frame) -> Value {
        guard case .string(let s) = value else { return located(fallback.call1(value, &frame)) }
        if let e = frame.charge(s.utf8.count) { return fail(e) }
        return .int(Int64(UTF8Search.codePointCount(s)))
    }

    /// Whether `candidates` (of a one-argument call) run a `size` of a string for a string.
    static func applies(to candidates: [Overload]) -> Bool {
        let forString = candidates.first { $0.params.count == 1 && Value.string("").conforms(to: $0.params[0]) }
        return forString?.id == "size_string" || forString?.id == "string_size"
    }
}

/// `a + b + c + ...` where the checker knows every operand is a string: one allocation,
/// sized from the parts' lengths and filled with their bytes.
final class ConcatNode: Node, @unchecked Sendable {
    let parts: [Node]
    let maxBytes: Int
    /// Up to four parts that are all constants, variables or fields (the usual case), as
    /// stored properties, missing ones as empty strings: their strings are read in place,
    /// and calling a stored child needs no retain, unlike one read from the array.
    private let inPlace: Bool
    private let first: Operand
    private let second: Operand
    private let third: Operand
    private let fourth: Operand

    init(_ parts: [Node], maxBytes: Int, offset: Int32) {
        self.parts = parts
        self.maxBytes = maxBytes
        inPlace = parts.count <= 4 && parts.allSatisfy { $0 is PlaceNode }
        let empty = Operand(ConstNode(.string(""), offset: offset))
        first = inPlace && parts.count > 0 ? Operand(parts[0]) : empty
        second = inPlace && parts.count > 1 ? Operand(parts[1]) : empty
        third = inPlace && parts.count > 2 ? Operand(parts[2]) : empty
        fourth = inPlace && parts.count > 3 ? Operand(parts[3]) : empty
        super.init(offset: offset)
    }

    override func eval(_ frame: inout Frame) -> Value {
        guard inPlace, let a0 = first.address(&frame), let a1 = second.address(&frame),
              let a2 = third.address(&frame), let a3 = fourth.address(&frame),
              let n0 = ConcatNode.length(a0), let n1 = ConcatNode.length(a1),
              let n2 = ConcatNode.length(a2), let n3 = ConcatNode.length(a3) else {
            // Some part is computed, or not a string (an error to report): evaluate them all.
            return evalParts(&frame)
        }
        let total = n0 + n1 + n2 + n3
        guard total <= maxBytes else { return fail(ConcatNode.tooLong) }
        if let e = frame.charge(total) { return fail(e) }
        // The parts are valid strings, so their concatenation is valid UTF-8. The closure
        // captures only addresses: no string is copied (retained) to fill the result.
        let result = String(unsafeUninitializedCapacity: total) { out in
            var position = 0
            ConcatNode.copy(a0, into: out, at: &position)
            ConcatNode.copy(a1, into: out, at: &position)
            ConcatNode.copy(a2, into: out, at: &position)
            ConcatNode.copy(a3, into: out, at: &position)
            return position
        }
        return .string(result)
    }

    /// The UTF-8 length of the string at `p`; nil when it holds something else.
    @inline(__always)
    private static func length(_ p: UnsafePointer<Value>) -> Int? {
        guard case .string(let s) = p.pointee else { return nil }
        return s.utf8.count
    }

    /// Appends the UTF-8 bytes of the string at `p` to `out` at `position` (when they fit).
    @inline(__always)
    private static func copy(_ p: UnsafePointer<Value>, into out: UnsafeMutableBufferPointer<UInt8>,
                             at position: inout Int) {
        guard case .string(let s) = p.pointee, let dst = out.baseAddress else { return }
        let start = position
        let copied: Int? = s.utf8.withContiguousStorageIfAvailable { bytes in
            guard let src = bytes.baseAddress, start + bytes.count <= out.count else { return 0 }
            (dst + start).update(from: src, count: bytes.count)
            return bytes.count
        }
        if let copied {
            position += copied
        } else {
            copyBytes(of: p, into: out, at: &position)
        }
    }

    /// `copy` for strings without contiguous UTF-8 (never produced on Linux; possible for
    /// bridged strings on Apple platforms), byte by byte.
    @inline(never)
    private static func copyBytes(of p: UnsafePointer<Value>, into out: UnsafeMutableBufferPointer<UInt8>,
                                  at position: inout Int) {
        guard case .string(let s) = p.pointee else { return }
        for byte in s.utf8 where position < out.count {
            out[position] = byte
            position += 1
        }
    }

    /// Any number of parts, any of them computed.
    private func evalParts(_ frame: inout Frame) -> Value {
        let count = parts.count
        return withUnsafeTemporaryAllocation(of: Value.self, capacity: count) { strings -> Value in
            guard let base = strings.baseAddress else { return .string("") }
            var initialized = 0
            defer { base.deinitialize(count: initialized) }
            var total = 0
            for node in parts {
                switch node.eval(&frame) {
                case .string(let s):
                    (base + initialized).initialize(to: .string(s))
                    initialized += 1
                    total += s.utf8.count
                case .error(let e):
                    return .error(e)
                case let v:
                    return fail(.noSuchOverload("_+_", .string(""), v))
                }
            }
            guard total <= maxBytes else { return fail(ConcatNode.tooLong) }
            if let e = frame.charge(total) { return fail(e) }
            let result = String(unsafeUninitializedCapacity: total) { out in
                var position = 0
                for i in 0..<initialized { ConcatNode.copy(base + i, into: out, at: &position) }
                return position
            }
            return .string(result)
        }
    }

    static let tooLong = CELError("string exceeds the size limit (Limits.maxStringBytes)")
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
        if !frame.chargeKey(v) { return fail(Frame.costExceeded) }
        guard let key = CELMap.key(for: v) else { return .bool(false) }
        return .bool(keys.contains(key))
    }
}

extension Frame {
    /// Comparing strings or bytes longer than `Value.freeComparisonBytes` is charged a unit
    /// per byte it may read (the shorter operand's), so that a loop comparing long values
    /// stays within the cost budget. False when the budget is spent.
    @inline(__always)
    mutating func chargeComparison(_ l: Value, _ r: Value) -> Bool {
        charge(Value.comparisonBytes(l, r))
    }

    /// Looking a string or bytes key up in a map hashes all of it: a key longer than
    /// `Value.freeComparisonBytes` is charged a unit per byte. False when the budget is spent.
    @inline(__always)
    mutating func chargeKey(_ key: Value) -> Bool {
        charge(Value.keyBytes(key))
    }

    @inline(__always)
    private mutating func charge(_ bytes: Int) -> Bool {
        guard bytes > Value.freeComparisonBytes else { return true }
        cost &+= bytes
        return cost <= maxCost
    }
}
