/// Nodes whose value already lives in memory that stays unchanged while they are in use:
/// constants, bound variables, comprehension elements and field paths on variables and
/// elements. Operators read such operands in place (`Operand`) instead of copying them:
/// a copy of a string, list or map out of a variable is a reference-count increment and
/// a decrement, atomic operations that cost more than most operators themselves.

/// A node whose value can be read in place.
class PlaceNode: Node, @unchecked Sendable {
    /// The address of the value, or nil when it is not stored anywhere (a field missing on
    /// the path, a step that is not a map): then `eval` computes the value or the error.
    ///
    /// The address is valid for the rest of the evaluation of the node that asked for it:
    /// it points into the program's constants, the frame's variables (borrowed for the
    /// evaluation) or a comprehension's range (kept alive while the loop runs, and every
    /// reader of an element runs inside the loop), and maps reachable from those are never
    /// modified (their storage is shared, so a change would copy it first).
    func address(_ frame: inout Frame) -> UnsafePointer<Value>? { nil }
}

/// A child that a node reads once, in place when it is a `PlaceNode`:
///
///     if let p = operand.address(&frame) { return compute(p.pointee) }
///     return compute(operand.node.eval(&frame))
struct Operand: Sendable {
    let node: Node
    /// `node` when it is a `PlaceNode`, else a placeholder (never called). Not an optional:
    /// calling a method on an optional stored child costs a retain and a release.
    private let place: PlaceNode
    /// `node` again when it is a field path on a variable, else a placeholder: called as
    /// its final class, without a dynamic dispatch.
    private let variablePath: VariableSelectNode
    private let kind: Kind

    private enum Kind { case computed, place, variablePath }

    init(_ node: Node) {
        self.node = node
        self.place = node as? PlaceNode ?? Operand.nowhere
        self.variablePath = node as? VariableSelectNode ?? Operand.noVariablePath
        kind = node is VariableSelectNode ? .variablePath : node is PlaceNode ? .place : .computed
    }

    @inline(__always)
    func address(_ frame: inout Frame) -> UnsafePointer<Value>? {
        switch kind {
        case .variablePath: variablePath.address(&frame)
        case .place: place.address(&frame)
        case .computed: nil
        }
    }

    /// Applies `operation` to the values of `lhs` and `rhs`, each read in place when it can
    /// be, else evaluated (`rhs` before `lhs` is read in place, so that no evaluation runs
    /// while a value is borrowed; reading a place has no effects, so the order is not
    /// observable). Generic rather than taking a closure: specialised per node, with
    /// `apply` inlined into each of the four cases.
    @inline(__always)
    static func pair<Operation: BinaryOperation>(_ operation: Operation, _ lhs: Operand, _ rhs: Operand,
                                                 _ frame: inout Frame) -> Value {
        if let pl = lhs.address(&frame) {
            if let pr = rhs.address(&frame) { return operation.apply(pl.pointee, pr.pointee, &frame) }
            let r = rhs.node.eval(&frame)
            return operation.apply(pl.pointee, r, &frame)
        }
        let l = lhs.node.eval(&frame)
        if let pr = rhs.address(&frame) { return operation.apply(l, pr.pointee, &frame) }
        return operation.apply(l, rhs.node.eval(&frame), &frame)
    }

    private static let nowhere = PlaceNode(offset: 0)
    private static let noVariablePath = VariableSelectNode(slot: 0, path: FieldPath([], offsets: []))
}

/// A node combining the values of two operands (`Operand.pair`).
protocol BinaryOperation {
    func apply(_ l: Value, _ r: Value, _ frame: inout Frame) -> Value
}

/// A constant. The value lives in storage of its own, so that it has an address.
final class ConstNode: PlaceNode, @unchecked Sendable {
    private let storage: UnsafeMutablePointer<Value>

    init(_ value: Value, offset: Int32) {
        storage = UnsafeMutablePointer<Value>.allocate(capacity: 1)
        storage.initialize(to: value)
        super.init(offset: offset)
    }

    deinit {
        storage.deinitialize(count: 1)
        storage.deallocate()
    }

    var value: Value { storage.pointee }
    override func eval(_ frame: inout Frame) -> Value { storage.pointee }
    override func address(_ frame: inout Frame) -> UnsafePointer<Value>? { UnsafePointer(storage) }
    override var constantValue: Value? { storage.pointee }
}

/// A variable bound before evaluation, read from its slot.
final class VariableNode: PlaceNode, @unchecked Sendable {
    let slot: Int
    init(slot: Int, offset: Int32) {
        self.slot = slot
        super.init(offset: offset)
    }
    override func eval(_ frame: inout Frame) -> Value { frame.variables[slot] }
    override func address(_ frame: inout Frame) -> UnsafePointer<Value>? {
        frame.variables.baseAddress.map { $0 + slot }
    }
}

/// `v.a.b...` where `v` is a variable: followed in place through the maps' storage.
///
/// A path that the expression selects more than once (`order.customer.tier` in each
/// branch of a rule) has a cursor (`cache`) shared by its nodes: the first one to find
/// the address keeps it there for the rest of the evaluation, in which the variables and
/// the maps under them do not change; the others read it instead of following the path.
/// (Keeping the value in a slot instead would copy it: a retain and a release.)
final class VariableSelectNode: PlaceNode, @unchecked Sendable {
    let slot: Int
    let path: FieldPath
    private let cache: Int
    private let isCached: Bool
    init(slot: Int, path: FieldPath, cache: Int? = nil) {
        self.slot = slot
        self.path = path
        self.cache = cache ?? 0
        self.isCached = cache != nil
        super.init(offset: path.offset)
    }
    override func eval(_ frame: inout Frame) -> Value {
        if let p = address(&frame) { return p.pointee }
        return path.select(frame.variables[slot])
    }
    override func address(_ frame: inout Frame) -> UnsafePointer<Value>? {
        if isCached, let p = frame.cursors[cache] { return p }
        guard let base = frame.variables.baseAddress, let p = path.address(from: base + slot) else { return nil }
        if isCached { frame.cursors[cache] = p }
        return p
    }
}

/// A comprehension element variable, read through its cursor.
final class CursorNode: PlaceNode, @unchecked Sendable {
    let cursor: Int
    init(cursor: Int, offset: Int32) {
        self.cursor = cursor
        super.init(offset: offset)
    }
    override func eval(_ frame: inout Frame) -> Value {
        guard let p = frame.cursors[cursor] else { return fail(CursorNode.outsideLoop) }
        return p.pointee
    }
    override func address(_ frame: inout Frame) -> UnsafePointer<Value>? { frame.cursors[cursor] }

    static let outsideLoop = CELError("internal error: comprehension variable read outside its loop")
}

/// `x.a.b...` where `x` is a comprehension element variable: no copy of the element.
final class CursorSelectNode: PlaceNode, @unchecked Sendable {
    let cursor: Int
    let path: FieldPath
    init(cursor: Int, path: FieldPath) {
        self.cursor = cursor
        self.path = path
        super.init(offset: path.offset)
    }
    override func eval(_ frame: inout Frame) -> Value {
        guard let base = frame.cursors[cursor] else { return fail(CursorNode.outsideLoop) }
        if let p = path.address(from: base) { return p.pointee }
        return path.select(base.pointee)
    }
    override func address(_ frame: inout Frame) -> UnsafePointer<Value>? {
        guard let base = frame.cursors[cursor] else { return nil }
        return path.address(from: base)
    }
}
