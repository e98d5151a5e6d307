import CEL

func render(_ expr: Expr) -> String { expr.debugDescription }

/// Every node id in the tree (map entries included), in visiting order.
func allIDs(_ expr: Expr) -> [Int32] {
    var ids: [Int32] = []
    var stack = [expr]
    while let e = stack.popLast() {
        ids.append(e.id)
        switch e.kind {
        case .literal, .ident: break
        case .select(let operand, _, _): stack.append(operand)
        case .call(let target, _, let args):
            if let target { stack.append(target) }
            stack += args
        case .list(let elements, _): stack += elements
        case .map(let entries):
            for entry in entries {
                ids.append(entry.id)
                stack += [entry.key, entry.value]
            }
        case .comprehension(let c):
            stack += [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result]
        }
    }
    return ids
}

/// Parses or returns the diagnostics' headlines.
func parseResult(_ text: String, macros: Bool = true, limits: Limits = .default) -> Result<String, CompileError> {
    do {
        let parsed = try CELParser.parse(Source(text: text), options: ParseOptions(enableMacros: macros, limits: limits))
        return .success(render(parsed.expr))
    } catch {
        return .failure(error)
    }
}

/// The rendering of a successful parse, or the first diagnostic prefixed with `ERROR `.
func parsed(_ text: String, macros: Bool = true) -> String {
    switch parseResult(text, macros: macros) {
    case .success(let s): return s
    case .failure(let e): return "ERROR " + (e.diagnostics.first.map { "\($0.code) \($0.location): \($0.message)" } ?? "?")
    }
}

/// The diagnostics of a failing parse (empty when it parses).
func parseErrors(_ text: String, limits: Limits = .default) -> [Diagnostic] {
    switch parseResult(text, limits: limits) {
    case .success: return []
    case .failure(let e): return e.diagnostics
    }
}
