/// Runs one of a function's overloads for argument values. When the checker left only one
/// candidate and knew the arguments' kinds, the planner calls it directly; otherwise the
/// overload is picked here by matching the values against the parameter types.
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

    func call(_ args: [Value]) -> Value {
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
            if ok { return Dispatcher.invoke(overload.implementation, args) }
        }
        if let firstError { return firstError }
        let types = args.map { $0.runtimeType.runtimeName }.joined(separator: ", ")
        return .error(CELError("no such overload: \(function)(\(types))"))
    }

    /// `call([a])` without allocating.
    func call1(_ a: Value) -> Value {
        if allStrict, case .error = a { return a }
        for overload in candidates where overload.params.count == 1 {
            if case .error = a {
                if overload.isStrict { continue }
            } else if !a.conforms(to: overload.params[0]) {
                continue
            }
            if case .unary(let f) = overload.implementation { return f(a) }
            return Dispatcher.invoke(overload.implementation, [a])
        }
        if case .error = a { return a }
        return .error(CELError("no such overload: \(function)(\(a.runtimeType.runtimeName))"))
    }

    /// `call([a, b])` without allocating.
    func call2(_ a: Value, _ b: Value) -> Value {
        let hasError = a.isError || b.isError
        if allStrict, hasError { return a.isError ? a : b }
        for overload in candidates where overload.params.count == 2 {
            if hasError, overload.isStrict { continue }
            guard a.isError || a.conforms(to: overload.params[0]),
                  b.isError || b.conforms(to: overload.params[1]) else { continue }
            if case .binary(let f) = overload.implementation { return f(a, b) }
            return Dispatcher.invoke(overload.implementation, [a, b])
        }
        if hasError { return a.isError ? a : b }
        return .error(CELError("no such overload: \(function)(\(a.runtimeType.runtimeName), \(b.runtimeType.runtimeName))"))
    }

    /// Calls an implementation with arguments (the receiver first).
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
