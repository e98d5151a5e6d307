/// Runs one of a function's overloads for argument values. When the checker left only one
/// candidate and knew the arguments' kinds, the planner calls it directly; otherwise the
/// overload is picked here by matching the values against the parameter types. Either
/// way the call is charged to the frame's budget as the overload's `cost` says.
struct Dispatcher: Sendable {
    let function: String
    let candidates: [Overload]
    /// Whether every candidate is strict, so that an error argument is the result.
    let allStrict: Bool

    init(function: String, candidates: [Overload]) {
        self.function = function
        self.candidates = candidates
        self.allStrict = candidates.allSatisfy(\.isStrict)
    }

    func call(_ args: [Value], _ frame: inout Frame) -> Value {
        let firstError = args.first(where: \.isError)
        if allStrict, let firstError { return firstError }
        for overload in candidates where overload.params.count == args.count {
            if overload.isStrict, firstError != nil { continue }
            var ok = true
            for (param, arg) in zip(overload.params, args) {
                if case .error = arg { continue }
                if !arg.conforms(to: param) {
                    ok = false
                    break
                }
            }
            if ok { return Dispatcher.invoke(overload, args, &frame) }
        }
        if let firstError { return firstError }
        let types = args.map { $0.runtimeType.runtimeName }.joined(separator: ", ")
        return .error(CELError("no such overload: \(function)(\(types))"))
    }

    /// `call([a])` without allocating.
    func call1(_ a: Value, _ frame: inout Frame) -> Value {
        if allStrict, case .error = a { return a }
        for overload in candidates where overload.params.count == 1 {
            if case .error = a {
                if overload.isStrict { continue }
            } else if !a.conforms(to: overload.params[0]) {
                continue
            }
            if let metered = overload.metered { return frame.spend(a, .null, metered) }
            if case .unary(let f) = overload.implementation {
                guard overload.cost == .linear else { return f(a) }
                return Dispatcher.charged(.linear, a.costUnits, &frame) { f(a) }
            }
            return Dispatcher.invoke(overload, [a], &frame)
        }
        if case .error = a { return a }
        return .error(CELError("no such overload: \(function)(\(a.runtimeType.runtimeName))"))
    }

    /// `call([a, b])` without allocating.
    func call2(_ a: Value, _ b: Value, _ frame: inout Frame) -> Value {
        let hasError = a.isError || b.isError
        if allStrict, hasError { return a.isError ? a : b }
        for overload in candidates where overload.params.count == 2 {
            if hasError, overload.isStrict { continue }
            guard a.isError || a.conforms(to: overload.params[0]),
                  b.isError || b.conforms(to: overload.params[1]) else { continue }
            if let metered = overload.metered { return frame.spend(a, b, metered) }
            if case .binary(let f) = overload.implementation {
                guard overload.cost == .linear else { return f(a, b) }
                return Dispatcher.charged(.linear, a.costUnits &+ b.costUnits, &frame) { f(a, b) }
            }
            return Dispatcher.invoke(overload, [a, b], &frame)
        }
        if hasError { return a.isError ? a : b }
        return .error(CELError("no such overload: \(function)(\(a.runtimeType.runtimeName), \(b.runtimeType.runtimeName))"))
    }

    /// Calls an overload with arguments (the receiver first), charging the frame's budget:
    /// a metered implementation spends it itself; a linear one is charged the arguments'
    /// sizes before and the result's size after.
    static func invoke(_ overload: Overload, _ args: [Value], _ frame: inout Frame) -> Value {
        if let metered = overload.metered, args.count == 1 || args.count == 2 {
            return frame.spend(args[0], args.count == 2 ? args[1] : .null, metered)
        }
        if let metered = overload.meteredArguments { return frame.spend(args, metered) }
        var units = 0
        if overload.cost == .linear { for a in args { units &+= a.costUnits } }
        return charged(overload.cost, units, &frame) { invoke(overload.implementation, args) }
    }

    /// Runs `body`; for a `.linear` cost, charges `argumentUnits` first (not running `body`
    /// when they exceed the budget) and the result's units after.
    @inline(__always)
    static func charged(_ cost: CallCost, _ argumentUnits: Int, _ frame: inout Frame,
                        _ body: () -> Value) -> Value {
        guard cost == .linear else { return body() }
        if let e = frame.charge(argumentUnits) { return .error(e) }
        let result = body()
        if let e = frame.charge(result.costUnits) { return .error(e) }
        return result
    }

    /// Calls an implementation with arguments (the receiver first), uncharged.
    @inline(__always)
    static func invoke(_ implementation: Implementation, _ args: [Value]) -> Value {
        switch implementation {
        case .unary(let f) where args.count == 1: return f(args[0])
        case .binary(let f) where args.count == 2: return f(args[0], args[1])
        case .ternary(let f) where args.count == 3: return f(args[0], args[1], args[2])
        case .variadic(let f): return f(args)
        default: return .error(CELError("internal error: overload arity mismatch"))
        }
    }
}
