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
    var imported: [Imported] = []

    /// Collects the references of `expr`. Parameters and comprehension variables shadow
    /// module names, exactly as CEL's name resolution lets them.
    init(of expr: Expr, localNames: Set<String>, aliases: Set<String>, parameters: Set<String>) {
        var seen = Set<String>()
        // Names bound where the walk is, counted (a comprehension may rebind a name): a
        // scope costs its own variables, not a copy of everything bound around it.
        var bound: [String: Int] = [:]
        for name in parameters { bound[name] = 1 }
        func isBound(_ name: String) -> Bool { bound[name] != nil }
        // An explicit work list instead of recursion: the walk is not bounded by the stack.
        var work: [Step] = [.visit(expr)]
        while let step = work.popLast() {
            let node: Expr
            switch step {
            case .visit(let expr):
                node = expr
            case .bind(let names):
                for name in names { bound[name, default: 0] += 1 }
                continue
            case .unbind(let names):
                for name in names {
                    if let count = bound[name], count > 1 { bound[name] = count - 1 } else { bound[name] = nil }
                }
                continue
            }
            switch node.kind {
            case .literal:
                break
            case .ident(let name):
                if !isBound(name), localNames.contains(name), seen.insert(name).inserted {
                    local.append(name)
                }
            case .select(let operand, let field, _):
                if case .ident(let alias) = operand.kind, !isBound(alias), aliases.contains(alias) {
                    imported.append(Imported(alias: alias, name: field, isCall: false, offset: operand.offset))
                } else {
                    work.append(.visit(operand))
                }
            case .call(let target, let function, let args):
                if let target {
                    if case .ident(let alias) = target.kind, !isBound(alias), aliases.contains(alias) {
                        imported.append(Imported(alias: alias, name: function, isCall: true, offset: target.offset))
                    } else {
                        work.append(.visit(target))
                    }
                } else if !isBound(function), localNames.contains(function) {
                    if seen.insert(function).inserted { local.append(function) }
                }
                for arg in args.reversed() { work.append(.visit(arg)) }
            case .list(let elements, _):
                for element in elements.reversed() { work.append(.visit(element)) }
            case .map(let entries):
                for entry in entries.reversed() {
                    work.append(.visit(entry.value))
                    work.append(.visit(entry.key))
                }
            case .comprehension(let c):
                // In this order: range and initial value outside, condition and step with
                // the loop variables and the accumulator, result with the accumulator only.
                let loopVariables = [c.iterVar] + (c.iterVar2.map { [$0] } ?? [])
                work.append(.unbind([c.accuVar]))
                work.append(.visit(c.result))
                work.append(.unbind(loopVariables))
                work.append(.visit(c.loopStep))
                work.append(.visit(c.loopCondition))
                work.append(.bind(loopVariables + [c.accuVar]))
                work.append(.visit(c.accuInit))
                work.append(.visit(c.iterRange))
            }
        }
    }

    /// One step of the walk: a node to visit, or variables coming into or out of scope.
    private enum Step {
        case visit(Expr)
        case bind([String])
        case unbind([String])
    }
}
