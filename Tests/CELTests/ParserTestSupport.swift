import CEL

/// A compact rendering of ASTs for parser tests, close to cel-go's debug format:
/// calls as `_+_(a, 1)`, receiver calls as `a.f(b)`, test-only selects as `a.b~test`,
/// comprehensions as `__comprehension__(iterVar, [iterVar2,] range, accu, init, cond, step, result)`.
func render(_ expr: Expr) -> String {
    switch expr.kind {
    case .literal(let c):
        switch c {
        case .null: return "null"
        case .bool(let b): return String(b)
        case .int(let i): return String(i)
        case .uint(let u): return "\(u)u"
        case .double(let d): return "\(d)"
        case .string(let s): return "\"\(s)\""
        case .bytes(let b): return "b\(b)"
        }
    case .ident(let name):
        return name
    case .select(let operand, let field, let testOnly):
        return "\(render(operand)).\(field)\(testOnly ? "~test" : "")"
    case .call(let target, let function, let args):
        let list = args.map(render).joined(separator: ", ")
        if let target { return "\(render(target)).\(function)(\(list))" }
        return "\(function)(\(list))"
    case .list(let elements, let optionalIndices):
        let items = elements.enumerated().map { (i, e) in (optionalIndices.contains(i) ? "?" : "") + render(e) }
        return "[\(items.joined(separator: ", "))]"
    case .map(let entries):
        let items = entries.map { ($0.optional ? "?" : "") + render($0.key) + ": " + render($0.value) }
        return "{\(items.joined(separator: ", "))}"
    case .comprehension(let c):
        var parts = [c.iterVar]
        if let v2 = c.iterVar2 { parts.append(v2) }
        parts += [render(c.iterRange), c.accuVar, render(c.accuInit), render(c.loopCondition),
                  render(c.loopStep), render(c.result)]
        return "__comprehension__(\(parts.joined(separator: ", ")))"
    }
}

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
