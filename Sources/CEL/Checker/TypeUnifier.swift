/// Matching of argument types against overload signatures with type parameters
/// (`list(A)`, `map(K, V)`), as the checker needs it for overload resolution.
struct TypeUnifier {
    /// Bindings of type parameter names found so far.
    var bindings: [String: CELType] = [:]

    /// Whether a value of type `arg` may be passed where `param` is expected, binding
    /// type parameters on the way. `dyn` and `error` match anything in either position.
    mutating func accept(_ param: CELType, _ arg: CELType) -> Bool {
        switch (param, arg) {
        case (.typeParam(let name), _):
            guard let bound = bindings[name] else {
                bindings[name] = arg
                return true
            }
            if bound == arg { return true }
            var probe = self
            if probe.accept(bound, arg) {
                self = probe
                // A more specific argument refines a parameter bound to dyn so far.
                if TypeUnifier.isDyn(bound) { bindings[name] = arg }
                return true
            }
            return false
        case (.dyn, _), (_, .dyn), (_, .error), (.error, _):
            return true
        case (_, .typeParam):
            return true
        case (.type, .type):
            // Type values compare by name at run time, whatever their parameters.
            return true
        case (.list(let p), .list(let a)), (.optional(let p), .optional(let a)):
            return accept(p, a)
        case (.map(let pk, let pv), .map(let ak, let av)):
            return accept(pk, ak) && accept(pv, av)
        case (.opaque(let pn, let pp), .opaque(let an, let ap)):
            guard pn == an, pp.count == ap.count else { return false }
            for (p, a) in zip(pp, ap) where !accept(p, a) { return false }
            return true
        default:
            return param == arg
        }
    }

    /// `type` with bound parameters replaced (unbound ones become `dyn`).
    func substitute(_ type: CELType) -> CELType {
        switch type {
        case .typeParam(let name): return bindings[name].map(substitute) ?? .dyn
        case .list(let e): return .list(substitute(e))
        case .map(let k, let v): return .map(substitute(k), substitute(v))
        case .optional(let t): return .optional(substitute(t))
        case .type(let t): return .type(substitute(t))
        case .opaque(let n, let ps): return .opaque(n, ps.map(substitute))
        default: return type
        }
    }

    static func isDyn(_ type: CELType) -> Bool {
        if case .dyn = type { return true }
        return false
    }

    /// The common type of two expressions that may both be the result (of `?:`, or the
    /// elements of a list literal): equal types stay, anything else is `dyn`.
    static func join(_ a: CELType, _ b: CELType) -> CELType {
        if a == b { return a }
        if case .error = a { return b }
        if case .error = b { return a }
        switch (a, b) {
        case (.list(let x), .list(let y)): return .list(join(x, y))
        case (.map(let k1, let v1), .map(let k2, let v2)): return .map(join(k1, k2), join(v1, v2))
        case (.optional(let x), .optional(let y)): return .optional(join(x, y))
        default: return .dyn
        }
    }

    /// Whether a value of this static type has a known kind at run time (int, list, map,
    /// ...), so that an overload chosen by kind at compile time is the one dispatch would pick.
    static func kindKnown(_ type: CELType) -> Bool {
        switch type {
        case .dyn, .typeParam, .error: return false
        default: return true
        }
    }
}
