extension Expr: CustomDebugStringConvertible {
    /// A compact rendering close to cel-go's debug format, for tests and debugging:
    /// calls as `_+_(a, 1)`, receiver calls as `a.f(b)`, test-only selects as `a.b~test`,
    /// comprehensions as `__comprehension__(iterVar, [iterVar2,] range, accu, init, cond, step, result)`.
    /// Recursion is bounded by the parser's nesting limit.
    public var debugDescription: String { Expr.render(self) }

    private static func render(_ expr: Expr) -> String {
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
}
