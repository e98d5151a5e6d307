import CEL

/// What a module-level expression (a `let` value or a `fn` body) refers to outside
/// itself: the module's own lets and functions, and names of imported modules.
/// Used to order lets and functions, to refuse recursion, and to explain
/// unknown or private imported names better than an "undeclared reference".
struct References {
    /// A use of `alias.name` (as a value or as a call) of an imported module.
    struct Imported {
        var alias: String
        var name: String
        var isCall: Bool
        var offset: Int32
    }

    /// Own lets and functions used, in order of first use.
    var local: [String] = []
    /// Where each own function is first called (for diagnostics about call chains).
    var localCalls: [String: Int32] = [:]
    var imported: [Imported] = []

    /// Collects the references of `expr`. Parameters and comprehension variables shadow
    /// module names, exactly as CEL's name resolution lets them.
    init(of expr: Expr, localNames: Set<String>, aliases: Set<String>, parameters: Set<String>) {
        var seen = Set<String>()
        // An explicit work list instead of recursion: the walk is not bounded by the stack.
        var work: [(Expr, Set<String>)] = [(expr, parameters)]
        while let (node, bound) = work.popLast() {
            switch node.kind {
            case .literal:
                break
            case .ident(let name):
                if !bound.contains(name), localNames.contains(name), seen.insert(name).inserted {
                    local.append(name)
                }
            case .select(let operand, let field, _):
                if case .ident(let alias) = operand.kind, !bound.contains(alias), aliases.contains(alias) {
                    imported.append(Imported(alias: alias, name: field, isCall: false, offset: operand.offset))
                } else {
                    work.append((operand, bound))
                }
            case .call(let target, let function, let args):
                if let target {
                    if case .ident(let alias) = target.kind, !bound.contains(alias), aliases.contains(alias) {
                        imported.append(Imported(alias: alias, name: function, isCall: true, offset: target.offset))
                    } else {
                        work.append((target, bound))
                    }
                } else if !bound.contains(function), localNames.contains(function) {
                    if seen.insert(function).inserted { local.append(function) }
                    if localCalls[function] == nil { localCalls[function] = node.offset }
                }
                for arg in args.reversed() { work.append((arg, bound)) }
            case .list(let elements, _):
                for element in elements.reversed() { work.append((element, bound)) }
            case .map(let entries):
                for entry in entries.reversed() {
                    work.append((entry.value, bound))
                    work.append((entry.key, bound))
                }
            case .comprehension(let c):
                var inner = bound
                inner.insert(c.iterVar)
                if let second = c.iterVar2 { inner.insert(second) }
                inner.insert(c.accuVar)
                var accuOnly = bound
                accuOnly.insert(c.accuVar)
                work.append((c.result, accuOnly))
                work.append((c.loopStep, inner))
                work.append((c.loopCondition, inner))
                work.append((c.accuInit, bound))
                work.append((c.iterRange, bound))
            }
        }
    }
}
