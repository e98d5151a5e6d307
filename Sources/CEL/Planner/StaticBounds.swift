/// Bounds computed before planning, in one walk over the checked expression (each node
/// visited once):
///
/// - how many levels of nesting (lists, maps, optionals) it adds to the deepest of its
///   inputs, including through the compiled functions it calls (each knows its own bound,
///   `CompiledFunction.addedDepth`). Within one expression nesting is bounded by the
///   syntax, but through `cel.bind` and chains of compiled functions (`fN(x) = [fN-1(x)]`)
///   it compounds; `Limits.maxValueDepth` caps it. Swift frees nested arrays recursively,
///   so a value nested tens of thousands deep would overflow the stack when released,
///   whatever the operations on it check: such values must never be built. Host
///   functions are trusted to return no deeper than their deepest argument.
/// - how many compiled-function frames its calls nest (`callDepth`: the deepest callee's,
///   0 without calls) and through which callee; `Limits.maxCallDepth` caps it, so a longer
///   chain is never built, called (a deep evaluation) nor freed (a function releases its
///   callees, recursively). This is the one place the call-depth rule is computed: the
///   module linker relies on it for chains within and across modules.
struct StaticBounds {
    let checked: CheckedExpr
    let limit: Int
    /// The bound of comprehension variables in scope, innermost last.
    private var scopes: [[String: Int]] = []
    /// Where the bound first passed `limit` (the innermost such node).
    private(set) var offendingOffset: Int32?
    /// The most frames of compiled functions the expression's calls nest (the deepest
    /// callee's `callDepth`), that callee (the first one, of several as deep) and where
    /// its call is.
    private(set) var callDepth = 0
    private(set) var deepestCallee: CompiledFunction?
    private(set) var deepestCallOffset: Int32?

    /// Larger than any bound (sums saturate here).
    static let unbounded = Int.max / 4

    /// Library functions whose result nests their argument one level deeper.
    private static let wrapping: Set<String> = ["optional.of", "optional.ofNonZeroValue", "split"]

    init(checked: CheckedExpr, limit: Int) {
        self.checked = checked
        self.limit = limit
    }

    /// The nesting bound of the whole expression (also sets `callDepth`).
    mutating func bound() -> Int { bound(checked.expr) }

    private mutating func bound(_ e: Expr) -> Int {
        let d = childBound(e)
        if d > limit, offendingOffset == nil { offendingOffset = e.offset }
        return d
    }

    private mutating func childBound(_ e: Expr) -> Int {
        switch e.kind {
        case .literal:
            return 0
        case .ident(let name):
            for scope in scopes.reversed() {
                if let d = scope[name] { return d }
            }
            return 0
        case .select(let operand, _, _):
            return checked.references[e.id] != nil ? 0 : bound(operand)
        case .call(let target, let function, let args):
            var d = target.map { bound($0) } ?? 0
            if function == "@mapInsert" || function == "cel.@mapInsert", args.count == 3 {
                // The map's entries nest the key and value one level deeper than they are.
                return max(d, bound(args[0]), add(max(bound(args[1]), bound(args[2])), 1))
            }
            for a in args { d = max(d, bound(a)) }
            switch checked.references[e.id] {
            case .compiled(let function, _)?:
                if function.callDepth > callDepth {
                    callDepth = function.callDepth
                    deepestCallee = function
                    deepestCallOffset = e.offset
                }
                return add(d, function.addedDepth)
            default:
                return StaticBounds.wrapping.contains(function) ? add(d, 1) : d
            }
        case .list(let elements, _):
            return add(elements.reduce(0) { max($0, bound($1)) }, 1)
        case .map(let entries):
            return add(entries.reduce(0) { max($0, bound($1.key), bound($1.value)) }, 1)
        case .comprehension(let c):
            let range = bound(c.iterRange)
            let initial = bound(c.accuInit)
            scopes.append([c.accuVar: initial])
            var iteration = [c.iterVar: range]
            if let v2 = c.iterVar2 { iteration[v2] = range }
            scopes.append(iteration)
            // Steps come from macros (`accu + [e]`, `@mapInsert(accu, k, v)`, `accu && p`,
            // `c ? step : accu`, bind's `accu`): none nests the accumulator, so one pass
            // gives the accumulator's bound, and every node is visited once.
            let accu = max(initial, bound(c.loopStep))
            scopes.removeLast()
            scopes[scopes.count - 1][c.accuVar] = accu
            let result = bound(c.result)
            scopes.removeLast()
            return result
        }
    }

    private func add(_ a: Int, _ b: Int) -> Int { min(a + b, StaticBounds.unbounded) }
}
