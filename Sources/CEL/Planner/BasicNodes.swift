/// Structural evaluator nodes: local slots, selection on computed values and local slots,
/// presence tests, indexing, list and map literals.

/// A comprehension variable or accumulator, read from its local slot.
final class LocalNode: Node, @unchecked Sendable {
    let slot: Int
    init(slot: Int, offset: Int32) {
        self.slot = slot
        super.init(offset: offset)
    }
    override func eval(_ frame: inout Frame) -> Value { frame.locals[slot] }
}

/// `a.b.c...` on a computed value: one or more field selections in a row, followed in
/// place inside the operand's value.
final class SelectNode: Node, @unchecked Sendable {
    let operand: Node
    let path: FieldPath
    init(operand: Node, path: FieldPath) {
        self.operand = operand
        self.path = path
        super.init(offset: path.offset)
    }
    override func eval(_ frame: inout Frame) -> Value {
        let v = operand.eval(&frame)
        if let selected = withUnsafePointer(to: v, { path.address(from: $0)?.pointee }) { return selected }
        return path.select(v)
    }
}

/// `x.a.b...` where `x` is a comprehension accumulator or index variable: followed in
/// place inside the local slot. Not a `PlaceNode`: the slot is reassigned as the loop runs.
final class LocalSelectNode: Node, @unchecked Sendable {
    let slot: Int
    let path: FieldPath
    init(slot: Int, path: FieldPath) {
        self.slot = slot
        self.path = path
        super.init(offset: path.offset)
    }
    override func eval(_ frame: inout Frame) -> Value {
        if let base = frame.locals.baseAddress, let p = path.address(from: base + slot) { return p.pointee }
        return path.select(frame.locals[slot])
    }
}

/// `has(a.b)`.
final class HasNode: Node, @unchecked Sendable {
    let operand: Node
    let field: String
    init(operand: Node, field: String, offset: Int32) {
        self.operand = operand
        self.field = field
        super.init(offset: offset)
    }
    override func eval(_ frame: inout Frame) -> Value {
        located(Access.has(operand.eval(&frame), field))
    }
}

/// `a.?b`.
final class OptionalSelectNode: Node, @unchecked Sendable {
    let operand: Node
    let field: String
    init(operand: Node, field: String, offset: Int32) {
        self.operand = operand
        self.field = field
        super.init(offset: offset)
    }
    override func eval(_ frame: inout Frame) -> Value {
        located(Access.optionalSelect(operand.eval(&frame), field))
    }
}

/// `a[i]` (or `a[?i]` when `optional`).
final class IndexNode: Node, @unchecked Sendable {
    let operand: Node
    let index: Node
    let optional: Bool
    init(operand: Node, index: Node, optional: Bool, offset: Int32) {
        self.operand = operand
        self.index = index
        self.optional = optional
        super.init(offset: offset)
    }
    override func eval(_ frame: inout Frame) -> Value {
        let o = operand.eval(&frame)
        let i = index.eval(&frame)
        if !optional, case .list(let items) = o, case .int(let n) = i, n >= 0, n < Int64(items.count) {
            return items[Int(n)]
        }
        if case .map = o, !frame.chargeKey(i) { return fail(Frame.costExceeded) }
        return located(optional ? Access.optionalIndex(o, i) : Access.index(o, i))
    }
}

/// A list literal with at least one non-constant element.
final class ListNode: Node, @unchecked Sendable {
    let elements: [Node]
    /// Positions of `?e` elements: included only when the optional has a value.
    let optionalIndices: Set<Int>
    init(elements: [Node], optionalIndices: Set<Int>, offset: Int32) {
        self.elements = elements
        self.optionalIndices = optionalIndices
        super.init(offset: offset)
    }
    override func eval(_ frame: inout Frame) -> Value {
        var result: [Value] = []
        result.reserveCapacity(elements.count)
        for (i, node) in elements.enumerated() {
            let v = node.eval(&frame)
            if case .error = v { return located(v) }
            if optionalIndices.contains(i) {
                guard case .optional(let o) = v else {
                    return fail(CELError("optional list element is not an optional value"))
                }
                if let inner = o.value { result.append(inner) }
                continue
            }
            result.append(v)
        }
        return .list(result)
    }
}

/// A map literal with at least one non-constant entry.
final class MapNode: Node, @unchecked Sendable {
    let keys: [Node]
    let values: [Node]
    let optional: [Bool]
    init(keys: [Node], values: [Node], optional: [Bool], offset: Int32) {
        self.keys = keys
        self.values = values
        self.optional = optional
        super.init(offset: offset)
    }
    override func eval(_ frame: inout Frame) -> Value {
        var map = CELMap()
        map.reserveCapacity(keys.count)
        for i in 0..<keys.count {
            let k = keys[i].eval(&frame)
            if case .error = k { return located(k) }
            var v = values[i].eval(&frame)
            if case .error = v { return located(v) }
            if optional[i] {
                guard case .optional(let o) = v else {
                    return fail(CELError("optional map entry is not an optional value"))
                }
                guard let inner = o.value else { continue }
                v = inner
            }
            if let problem = MapNode.insert(&map, k, v) { return fail(problem) }
        }
        return .map(map)
    }

    /// Inserts an entry of a map literal; returns the error for a bad or repeated key.
    static func insert(_ map: inout CELMap, _ key: Value, _ value: Value) -> CELError? {
        switch key {
        case .bool, .int, .uint, .string: break
        default: return CELError("unsupported map key type: \(key.runtimeType.runtimeName)")
        }
        if map.insert(key: key, value: value) { return nil }
        return CELError("Failed with repeated key: \(key)")
    }
}

/// Always the same error (an undeclared name or function, when checking is disabled).
final class ErrorNode: Node, @unchecked Sendable {
    let error: CELError
    init(_ error: CELError, offset: Int32) {
        self.error = CELError(error.message, offset: error.offset ?? offset)
        super.init(offset: offset)
    }
    override func eval(_ frame: inout Frame) -> Value { .error(error) }
}
