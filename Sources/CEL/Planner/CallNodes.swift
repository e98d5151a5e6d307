/// Calls of library and host functions: pre-resolved overloads (called directly) and
/// run-time dispatch (when argument types were `dyn`).

final class UnaryCallNode: Node, @unchecked Sendable {
    let arg: Node
    let function: @Sendable (Value) -> Value
    let strict: Bool
    /// Whether the overload's cost is `.linear` (see `Dispatcher.charged`).
    let linear: Bool
    init(_ arg: Node, _ function: @escaping @Sendable (Value) -> Value, strict: Bool, linear: Bool, offset: Int32) {
        self.arg = arg
        self.function = function
        self.strict = strict
        self.linear = linear
        super.init(offset: offset)
    }
    override func eval(_ frame: inout Frame) -> Value {
        let a = arg.eval(&frame)
        if strict, case .error = a { return a }
        guard linear else { return located(function(a)) }
        return located(Dispatcher.charged(.linear, a.costUnits, &frame) { function(a) })
    }
}

final class BinaryCallNode: Node, @unchecked Sendable {
    let lhs: Node
    let rhs: Node
    let function: @Sendable (Value, Value) -> Value
    let strict: Bool
    /// Whether the overload's cost is `.linear` (see `Dispatcher.charged`).
    let linear: Bool
    init(_ lhs: Node, _ rhs: Node, _ function: @escaping @Sendable (Value, Value) -> Value, strict: Bool,
         linear: Bool, offset: Int32) {
        self.lhs = lhs
        self.rhs = rhs
        self.function = function
        self.strict = strict
        self.linear = linear
        super.init(offset: offset)
    }
    override func eval(_ frame: inout Frame) -> Value {
        let a = lhs.eval(&frame)
        let b = rhs.eval(&frame)
        if strict {
            if case .error = a { return a }
            if case .error = b { return b }
        }
        guard linear else { return located(function(a, b)) }
        return located(Dispatcher.charged(.linear, a.costUnits &+ b.costUnits, &frame) { function(a, b) })
    }
}

/// A pre-resolved call of a metered two-argument overload (`matches`, `in` over a list),
/// which spends the frame's budget itself.
final class MeteredCallNode: Node, @unchecked Sendable {
    let lhs: Node
    let rhs: Node
    let function: MeteredImplementation
    let strict: Bool
    init(_ lhs: Node, _ rhs: Node, _ function: @escaping MeteredImplementation, strict: Bool, offset: Int32) {
        self.lhs = lhs
        self.rhs = rhs
        self.function = function
        self.strict = strict
        super.init(offset: offset)
    }
    override func eval(_ frame: inout Frame) -> Value {
        let a = lhs.eval(&frame)
        let b = rhs.eval(&frame)
        if strict {
            if case .error = a { return a }
            if case .error = b { return b }
        }
        return located(frame.spend(a, b, function))
    }
}

/// A pre-resolved call of a metered one-argument overload (`distinct`), which spends the
/// frame's budget itself (its implementation receives `.null` as the second argument).
final class MeteredUnaryCallNode: Node, @unchecked Sendable {
    let arg: Node
    let function: MeteredImplementation
    let strict: Bool
    init(_ arg: Node, _ function: @escaping MeteredImplementation, strict: Bool, offset: Int32) {
        self.arg = arg
        self.function = function
        self.strict = strict
        super.init(offset: offset)
    }
    override func eval(_ frame: inout Frame) -> Value {
        let a = arg.eval(&frame)
        if strict, case .error = a { return a }
        return located(frame.spend(a, .null, function))
    }
}

/// A pre-resolved call of a metered overload of any arity, or of one prepared at plan
/// time for its constant arguments (`Overload.prepared`): it spends the frame's budget itself.
final class MeteredArgumentsCallNode: Node, @unchecked Sendable {
    let args: [Node]
    let function: MeteredArgumentsImplementation
    let strict: Bool
    init(_ args: [Node], _ function: @escaping MeteredArgumentsImplementation, strict: Bool, offset: Int32) {
        self.args = args
        self.function = function
        self.strict = strict
        super.init(offset: offset)
    }
    override func eval(_ frame: inout Frame) -> Value {
        let (values, error) = evaluateArguments(args, strict: strict, &frame)
        if let error { return error }
        return located(frame.spend(values, function))
    }
}

/// A pre-resolved call with any number of arguments.
final class DirectCallNode: Node, @unchecked Sendable {
    let args: [Node]
    let overload: Overload
    init(_ args: [Node], _ overload: Overload, offset: Int32) {
        self.args = args
        self.overload = overload
        super.init(offset: offset)
    }
    override func eval(_ frame: inout Frame) -> Value {
        let (values, error) = evaluateArguments(args, strict: overload.isStrict, &frame)
        if let error { return error }
        return located(Dispatcher.invoke(overload, values, &frame))
    }
}

/// The values of `args`, in order; for a strict call, the first error instead (and no values).
@inline(__always)
private func evaluateArguments(_ args: [Node], strict: Bool, _ frame: inout Frame) -> (values: [Value], error: Value?) {
    var values: [Value] = []
    values.reserveCapacity(args.count)
    for node in args {
        let v = node.eval(&frame)
        if strict, case .error = v { return ([], v) }
        values.append(v)
    }
    return (values, nil)
}

/// A call whose overload is chosen from the argument values at run time.
final class DispatchCallNode: Node, @unchecked Sendable {
    let args: [Node]
    let dispatcher: Dispatcher
    init(_ args: [Node], _ dispatcher: Dispatcher, offset: Int32) {
        self.args = args
        self.dispatcher = dispatcher
        super.init(offset: offset)
    }
    override func eval(_ frame: inout Frame) -> Value {
        var values: [Value] = []
        values.reserveCapacity(args.count)
        for node in args { values.append(node.eval(&frame)) }
        return located(dispatcher.call(values, &frame))
    }
}

/// A one-argument call whose overload is chosen from the argument's value at run time.
final class Dispatch1Node: Node, @unchecked Sendable {
    let arg: Node
    let dispatcher: Dispatcher
    init(_ arg: Node, _ dispatcher: Dispatcher, offset: Int32) {
        self.arg = arg
        self.dispatcher = dispatcher
        super.init(offset: offset)
    }
    override func eval(_ frame: inout Frame) -> Value {
        located(dispatcher.call1(arg.eval(&frame), &frame))
    }
}

/// A two-argument call whose overload is chosen from the argument values at run time.
final class Dispatch2Node: Node, @unchecked Sendable {
    let lhs: Node
    let rhs: Node
    let dispatcher: Dispatcher
    init(_ lhs: Node, _ rhs: Node, _ dispatcher: Dispatcher, offset: Int32) {
        self.lhs = lhs
        self.rhs = rhs
        self.dispatcher = dispatcher
        super.init(offset: offset)
    }
    override func eval(_ frame: inout Frame) -> Value {
        let a = lhs.eval(&frame)
        let b = rhs.eval(&frame)
        return located(dispatcher.call2(a, b, &frame))
    }
}

/// A call of a compiled (module) function: arguments go to the callee's parameter slots
/// and the callee spends the caller's cost budget.
final class CompiledCallNode: Node, @unchecked Sendable {
    let args: [Node]
    let function: CompiledFunction
    init(_ args: [Node], _ function: CompiledFunction, offset: Int32) {
        self.args = args
        self.function = function
        super.init(offset: offset)
    }
    override func eval(_ frame: inout Frame) -> Value {
        var values: [Value] = []
        values.reserveCapacity(args.count)
        for node in args { values.append(node.eval(&frame)) }
        return located(function.invoke(values, caller: &frame))
    }
}

/// `s.contains('c')`, `s.startsWith('c')`, `s.endsWith('c')` with a constant argument and
/// the library's string overload: searches the operand's UTF-8 bytes in place (read in
/// place itself when it is a variable or field) for the constant's bytes, without dispatch.
/// Other operands go through the dispatcher as before. `contains` is charged the
/// operand's bytes (it may scan them all); the others compare the constant's bytes only.
final class StringSearchNode: Node, @unchecked Sendable {
    enum Kind: Sendable {
        case contains, prefix, suffix

        /// The library overload each kind stands for.
        init?(overloadID: String) {
            switch overloadID {
            case "contains_string": self = .contains
            case "starts_with_string": self = .prefix
            case "ends_with_string": self = .suffix
            default: return nil
            }
        }
    }

    let kind: Kind
    let operand: Operand
    let needle: String
    let needleBytes: [UInt8]
    let fallback: Dispatcher

    init(_ kind: Kind, _ operand: Node, needle: String, fallback: Dispatcher, offset: Int32) {
        self.kind = kind
        self.operand = Operand(operand)
        self.needle = needle
        self.needleBytes = Array(needle.utf8)
        self.fallback = fallback
        super.init(offset: offset)
    }

    override func eval(_ frame: inout Frame) -> Value {
        if let p = operand.address(&frame) { return find(p.pointee, &frame) }
        return find(operand.node.eval(&frame), &frame)
    }

    @inline(__always)
    private func find(_ v: Value, _ frame: inout Frame) -> Value {
        guard case .string(let s) = v else { return located(fallback.call2(v, .string(needle), &frame)) }
        if kind == .contains, let e = frame.charge(s.utf8.count) { return fail(e) }
        let found = s.utf8.withContiguousStorageIfAvailable { haystack in
            needleBytes.withUnsafeBufferPointer { search(haystack, $0) }
        }
        if let found { return .bool(found) }
        return Array(s.utf8).withUnsafeBufferPointer { haystack in
            needleBytes.withUnsafeBufferPointer { .bool(search(haystack, $0)) }
        }
    }

    @inline(__always)
    private func search(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: UnsafeBufferPointer<UInt8>) -> Bool {
        switch kind {
        case .contains:
            return UTF8Search.firstIndex(of: needle, in: haystack) != nil
        case .prefix:
            return needle.count <= haystack.count && UTF8Search.equalBytes(haystack, at: 0, needle)
        case .suffix:
            return needle.count <= haystack.count
                && UTF8Search.equalBytes(haystack, at: haystack.count - needle.count, needle)
        }
    }
}
