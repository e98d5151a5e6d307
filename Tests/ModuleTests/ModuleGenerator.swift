import CEL
import HotloadModules

/// Random module sets for the linker fuzz test: modules that import earlier ones (now and
/// then a later or a missing one), lets and functions that call each other within and
/// across modules (now and then themselves, a later one or the wrong arity), long call
/// chains around the depth limit, expensive lets, and hostile CEL.
struct ModuleGenerator {
    var rng: FuzzRandom

    /// Limits small enough that an iteration stays fast and hits them often.
    mutating func limits() -> Limits {
        var limits = Limits()
        limits.maxCost = 20_000 + Int(rng.next() % 200_000)
        limits.maxIterations = 1_000 + Int(rng.next() % 20_000)
        limits.maxCallDepth = 2 + Int(rng.next() % 12)
        limits.maxNodes = 200 + Int(rng.next() % 4_000)
        return limits
    }

    mutating func modules() -> [ModuleSource] {
        let count = 1 + pick(5)
        return (0..<count).map { module(index: $0, of: count) }
    }

    private mutating func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
    private mutating func chance(_ oneIn: Int) -> Bool { pick(oneIn) == 0 }

    /// What a module offers to the generator of the modules that import it.
    private struct Scope {
        var aliases: [String] = []
        var lets: [String] = []
        var functions: [(name: String, arity: Int)] = []
        var params: [String] = []
    }

    private mutating func module(index: Int, of count: Int) -> ModuleSource {
        var lines: [String] = []
        var scope = Scope()
        for other in 0..<count where other != index && (other < index ? chance(2) : chance(15)) {
            lines.append("import g\(other) as p\(other)")
            scope.aliases.append("p\(other)")
        }
        if chance(20) { lines.append("import nowhere/at_all") }
        for d in 0..<(1 + pick(8)) {
            if chance(3) {
                let name = "v\(d)"
                lines.append("let \(name) = \(expression(scope, depth: 0))")
                scope.lets.append(name)
            } else {
                let arity = pick(3)
                let name = "f\(d)"
                var inner = scope
                inner.params = (0..<arity).map { "x\($0)" }
                if chance(12) { inner.functions.append((name, arity)) }  // recursion: refused
                lines.append("fn \(name)(\(inner.params.joined(separator: ", "))) = \(expression(inner, depth: 0))")
                scope.functions.append((name, arity))
            }
        }
        if chance(4) {
            // A chain around the depth limit: `c0(x) = x` … `cN(x) = c{N-1}(x)`, used by f_top.
            let length = 1 + pick(20)
            lines.append("fn c0(x) = x + 1")
            for i in 1..<max(2, length) { lines.append("fn c\(i)(x) = c\(i - 1)(x)") }
            lines.append("fn f_top(x) = c\(max(1, length - 1))(x)")
            if chance(2) { lines.append("let v_top = f_top(1)") }
        }
        if index > 0, chance(3) {
            // Chains across modules: each module's `f_next` calls the previous module's.
            lines.append("import g\(index - 1) as prev")
            lines.append("fn f_next(x) = prev.f_next(x) + 1")
        } else if chance(2) {
            lines.append("fn f_next(x) = x")
        }
        return ModuleSource(name: "g\(index)", text: lines.joined(separator: "\n"))
    }

    private mutating func expression(_ scope: Scope, depth: Int) -> String {
        if depth > 3 || chance(3) { return atom(scope) }
        let a = expression(scope, depth: depth + 1)
        let b = expression(scope, depth: depth + 1)
        switch pick(10) {
        case 0: return "\(a) + \(b)"
        case 1: return "(\(a) == \(b) ? \(a) : \(b))"
        case 2: return "[\(a), \(b)].map(i, i)"
        case 3: return "[1, 2, 3, 4, 5, 6, 7, 8].map(i, [1, 2, 3, 4, 5, 6, 7, 8].map(j, \(a)))"
        case 4: return "size(string(\(a)) + string(\(b)))"
        case 5: return "{'k': \(a)}.k"
        case 6: return "[\(a), \(b)].exists(i, i == \(a))"
        case 7: return String(repeating: "(", count: 20) + a + String(repeating: ")", count: 20)
        case 8: return "\(a) / \(b)"
        default: return call(scope, depth: depth)
        }
    }

    private mutating func call(_ scope: Scope, depth: Int) -> String {
        if !scope.aliases.isEmpty, chance(3) {
            let alias = scope.aliases[pick(scope.aliases.count)]
            let arity = pick(3)
            let args = (0..<arity).map { _ in atom(scope) }
            return "\(alias).\(["f0", "f1", "f2", "f_next", "f_top", "_f", "v0"][pick(7)])(\(args.joined(separator: ", ")))"
        }
        guard !scope.functions.isEmpty else { return atom(scope) }
        let function = scope.functions[pick(scope.functions.count)]
        let arity = chance(10) ? function.arity + 1 : function.arity
        let args = (0..<arity).map { _ in depth < 2 ? expression(scope, depth: depth + 1) : atom(scope) }
        return "\(function.name)(\(args.joined(separator: ", ")))"
    }

    private mutating func atom(_ scope: Scope) -> String {
        switch pick(9) {
        case 0 where !scope.params.isEmpty: return scope.params[pick(scope.params.count)]
        case 1 where !scope.lets.isEmpty: return scope.lets[pick(scope.lets.count)]
        case 2 where !scope.aliases.isEmpty: return "\(scope.aliases[pick(scope.aliases.count)]).v\(pick(4))"
        case 3: return "9223372036854775807"
        case 4: return "'\(String(repeating: "ab", count: pick(4)))'"
        case 5: return "1 / 0"
        case 6: return "null"
        case 7: return "[[[[[[1]]]]]]"
        default: return String(pick(100))
        }
    }
}
