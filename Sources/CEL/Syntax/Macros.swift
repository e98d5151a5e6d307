/// Macro expansion, exactly as cel-go expands its macros (parser/macro.go and the
/// `ext` bindings, comprehensions and optional libraries). Every macro becomes a
/// `Comprehension` (or, for `has`, a test-only select); the nodes it creates take the
/// offset of the macro's opening parenthesis.
extension ExpressionParser {
    /// The iteration variable of comprehensions that only bind a value (`cel.bind`, `optMap`).
    static let unusedIterVar = "#unused"
    /// The hidden variable `optMap`/`optFlatMap` bind a computed target to (not a CEL name).
    static let optionalTargetVar = "#target"

    /// A global call, or the `has(a.b)` macro.
    mutating func globalCallOrMacro(_ offset: Int, function: String, args: [Expr]) -> Expr {
        if options.enableMacros, function == "has", args.count == 1 {
            guard case .select(let operand, let field, _) = args[0].kind else {
                report(CELErrorCode.invalidMacroArgument,
                       "invalid argument to has() macro: expected a field selection such as has(a.b)",
                       at: Int(args[0].offset))
                return call(offset, function, args)
            }
            return node(Int(args[0].offset), .select(operand: operand, field: field, testOnly: true))
        }
        return call(offset, function, args)
    }

    /// A receiver call `target.function(args)`, or the macro of that name and arity.
    mutating func receiverCallOrMacro(_ offset: Int, target: Expr, function: String, args: [Expr]) -> Expr {
        if options.enableMacros, let expanded = expandReceiverMacro(offset, target: target, function: function, args: args) {
            return expanded
        }
        return node(offset, .call(target: target, function: function, args: args))
    }

    private mutating func expandReceiverMacro(_ offset: Int, target: Expr, function: String, args: [Expr]) -> Expr? {
        switch (function, args.count) {
        case ("all", 2), ("exists", 2), ("exists_one", 2), ("existsOne", 2):
            guard let v = iterVar(args[0]) else { return failedMacro(offset, target, function, args) }
            return quantifier(offset, function, target: target, iterVar: v, iterVar2: nil, predicate: args[1])
        case ("all", 3), ("exists", 3), ("existsOne", 3):
            guard let (v1, v2) = iterVars(args[0], args[1]) else { return failedMacro(offset, target, function, args) }
            return quantifier(offset, function, target: target, iterVar: v1, iterVar2: v2, predicate: args[2])
        case ("map", 2), ("map", 3):
            guard let v = iterVar(args[0]) else { return failedMacro(offset, target, function, args) }
            let filter = args.count == 3 ? args[1] : nil
            return appendingComprehension(offset, target: target, iterVar: v, iterVar2: nil,
                                          filter: filter, element: args[args.count - 1])
        case ("filter", 2):
            guard let v = iterVar(args[0]) else { return failedMacro(offset, target, function, args) }
            return appendingComprehension(offset, target: target, iterVar: v, iterVar2: nil,
                                          filter: args[1], element: args[0])
        case ("transformList", 3), ("transformList", 4):
            guard let (v1, v2) = iterVars(args[0], args[1]) else { return failedMacro(offset, target, function, args) }
            let filter = args.count == 4 ? args[2] : nil
            return appendingComprehension(offset, target: target, iterVar: v1, iterVar2: v2,
                                          filter: filter, element: args[args.count - 1])
        case ("transformMap", 3), ("transformMap", 4), ("transformMapEntry", 3), ("transformMapEntry", 4):
            guard let (v1, v2) = iterVars(args[0], args[1]) else { return failedMacro(offset, target, function, args) }
            let filter = args.count == 4 ? args[2] : nil
            let transform = args[args.count - 1]
            let insertArgs = function == "transformMap"
                ? [accu(offset), node(Int(args[0].offset), .ident(v1)), transform]
                : [accu(offset), transform]
            var step = call(offset, Operators.mapInsert, insertArgs)
            if let filter { step = call(offset, Operators.conditional, [filter, step, accu(offset)]) }
            return comprehension(offset, target: target, iterVar: v1, iterVar2: v2,
                                 accuInit: node(offset, .map(entries: [])),
                                 condition: node(offset, .literal(.bool(true))),
                                 step: step, result: accu(offset))
        case ("sortBy", 2):
            return sortBy(offset, target: target, args: args)
        case ("bind", 3):
            guard case .ident("cel") = target.kind else { return nil }
            guard case .ident(let name) = args[0].kind else {
                report(CELErrorCode.invalidMacroArgument, "cel.bind() variable name must be a simple identifier",
                       at: Int(args[0].offset))
                return failedMacro(offset, target, function, args)
            }
            return bindComprehension(offset, range: node(offset, .list(elements: [], optionalIndices: [])),
                                     name: name, initial: args[1], result: args[2])
        case ("optMap", 2), ("optFlatMap", 2):
            guard case .ident(let name) = args[0].kind else {
                report(CELErrorCode.invalidMacroArgument, "\(function)() variable name must be a simple identifier",
                       at: Int(args[0].offset))
                return failedMacro(offset, target, function, args)
            }
            // target.hasValue() ? optional.of(bind(name, target.value(), expr)) : optional.none()
            // (optFlatMap leaves out the optional.of wrapper), as cel-go expands it when the
            // target is a name or a field path. Any other target is bound once and the
            // expansion refers to it by a hidden name: copying it would double the tree at
            // each link of an `optMap` chain.
            if let targetCopy = copyPath(target) {
                return optionalMapping(offset, function, name: name, target: target, targetAgain: targetCopy,
                                       body: args[1])
            }
            let hidden = node(offset, .ident(Self.optionalTargetVar))
            let mapping = optionalMapping(offset, function, name: name, target: hidden,
                                          targetAgain: node(offset, .ident(Self.optionalTargetVar)), body: args[1])
            return bindComprehension(offset, range: node(offset, .list(elements: [], optionalIndices: [])),
                                     name: Self.optionalTargetVar, initial: target, result: mapping)
        default:
            return nil
        }
    }

    /// The variable `sortBy` binds its target to (cel-go's name; not a CEL identifier).
    static let sortByInputVar = "@__sortBy_input__"

    /// `list.sortBy(e, key)` as cel-go expands it (ext/lists.go): the target is bound once,
    /// then `input.@sortByAssociatedKeys(input.map(e, key))`.
    private mutating func sortBy(_ offset: Int, target: Expr, args: [Expr]) -> Expr {
        switch target.kind {
        case .list, .select, .ident, .comprehension, .call: break
        default:
            report(CELErrorCode.invalidMacroArgument,
                   "sortBy can only be applied to a list, identifier, comprehension, call or select expression",
                   at: Int(target.offset))
            return failedMacro(offset, target, "sortBy", args)
        }
        guard let v = iterVar(args[0]) else { return failedMacro(offset, target, "sortBy", args) }
        let input = Self.sortByInputVar
        let keys = appendingComprehension(offset, target: node(offset, .ident(input)), iterVar: v, iterVar2: nil,
                                          filter: nil, element: args[1])
        let sorted = node(offset, .call(target: node(offset, .ident(input)), function: "@sortByAssociatedKeys",
                                        args: [keys]))
        return bindComprehension(offset, range: node(offset, .list(elements: [], optionalIndices: [])),
                                 name: input, initial: target, result: sorted)
    }

    /// After a reported macro error: keep the plain call so parsing can go on.
    private mutating func failedMacro(_ offset: Int, _ target: Expr, _ function: String, _ args: [Expr]) -> Expr {
        node(offset, .call(target: target, function: function, args: args))
    }

    private mutating func iterVar(_ arg: Expr) -> String? {
        guard case .ident(let name) = arg.kind, !name.hasPrefix(".") else {
            report(CELErrorCode.invalidMacroArgument, "argument must be a simple name (the iteration variable)",
                   at: Int(arg.offset))
            return nil
        }
        return name
    }

    private mutating func iterVars(_ a: Expr, _ b: Expr) -> (String, String)? {
        guard let v1 = iterVar(a), let v2 = iterVar(b) else { return nil }
        if v1 == v2 {
            report(CELErrorCode.invalidMacroArgument, "duplicate variable name: \(v1)", at: Int(b.offset))
            return nil
        }
        return (v1, v2)
    }

    private mutating func accu(_ offset: Int) -> Expr {
        node(offset, .ident(accumulatorName))
    }

    private mutating func comprehension(_ offset: Int, target: Expr, iterVar: String, iterVar2: String?,
                                        accuInit: Expr, condition: Expr, step: Expr, result: Expr) -> Expr {
        node(offset, .comprehension(Comprehension(
            iterVar: iterVar, iterVar2: iterVar2, iterRange: target, accuVar: accumulatorName,
            accuInit: accuInit, loopCondition: condition, loopStep: step, result: result)))
    }

    /// `all`, `exists`, `exists_one`/`existsOne`, with one or two variables.
    private mutating func quantifier(_ offset: Int, _ kind: String, target: Expr, iterVar: String,
                                     iterVar2: String?, predicate: Expr) -> Expr {
        let initial: Expr, condition: Expr, step: Expr, result: Expr
        switch kind {
        case "all":
            initial = node(offset, .literal(.bool(true)))
            condition = call(offset, Operators.notStrictlyFalse, [accu(offset)])
            step = call(offset, Operators.logicalAnd, [accu(offset), predicate])
            result = accu(offset)
        case "exists":
            initial = node(offset, .literal(.bool(false)))
            condition = call(offset, Operators.notStrictlyFalse, [call(offset, Operators.logicalNot, [accu(offset)])])
            step = call(offset, Operators.logicalOr, [accu(offset), predicate])
            result = accu(offset)
        default:  // exists_one / existsOne
            initial = node(offset, .literal(.int(0)))
            condition = node(offset, .literal(.bool(true)))
            let plusOne = call(offset, Operators.add, [accu(offset), node(offset, .literal(.int(1)))])
            step = call(offset, Operators.conditional, [predicate, plusOne, accu(offset)])
            result = call(offset, Operators.equals, [accu(offset), node(offset, .literal(.int(1)))])
        }
        return comprehension(offset, target: target, iterVar: iterVar, iterVar2: iterVar2,
                             accuInit: initial, condition: condition, step: step, result: result)
    }

    /// `map`, `filter`, `transformList`: `accu + [element]`, guarded by the filter if any.
    private mutating func appendingComprehension(_ offset: Int, target: Expr, iterVar: String, iterVar2: String?,
                                                 filter: Expr?, element: Expr) -> Expr {
        let single = node(offset, .list(elements: [element], optionalIndices: []))
        var step = call(offset, Operators.add, [accu(offset), single])
        if let filter { step = call(offset, Operators.conditional, [filter, step, accu(offset)]) }
        return comprehension(offset, target: target, iterVar: iterVar, iterVar2: iterVar2,
                             accuInit: node(offset, .list(elements: [], optionalIndices: [])),
                             condition: node(offset, .literal(.bool(true))),
                             step: step, result: accu(offset))
    }

    /// `cel.bind(name, initial, result)`: a comprehension over an empty list whose
    /// accumulator is the bound variable.
    private mutating func bindComprehension(_ offset: Int, range: Expr, name: String, initial: Expr, result: Expr) -> Expr {
        node(offset, .comprehension(Comprehension(
            iterVar: Self.unusedIterVar, iterRange: range, accuVar: name, accuInit: initial,
            loopCondition: node(offset, .literal(.bool(false))),
            loopStep: node(offset, .ident(name)), result: result)))
    }

    /// `target.hasValue() ? optional.of(cel.bind(name, target.value(), body)) : optional.none()`
    /// (without `optional.of` for `optFlatMap`); `targetAgain` is a second node for `target`.
    private mutating func optionalMapping(_ offset: Int, _ function: String, name: String, target: Expr,
                                          targetAgain: Expr, body: Expr) -> Expr {
        let hasValue = node(offset, .call(target: target, function: "hasValue", args: []))
        let value = node(offset, .call(target: targetAgain, function: "value", args: []))
        let range = node(offset, .list(elements: [], optionalIndices: []))
        var mapped = bindComprehension(offset, range: range, name: name, initial: value, result: body)
        if function == "optMap" { mapped = call(offset, "optional.of", [mapped]) }
        let none = call(offset, "optional.none", [])
        return call(offset, Operators.conditional, [hasValue, mapped, none])
    }

    /// A copy with fresh ids of a name or a field path (`a`, `a.b.c`); nil for anything else.
    /// Iterative, and linear in the path's length.
    mutating func copyPath(_ expr: Expr) -> Expr? {
        var fields: [(offset: Int, field: String)] = []
        var base = expr
        while case .select(let operand, let field, false) = base.kind {
            fields.append((Int(base.offset), field))
            base = operand
        }
        guard case .ident = base.kind else { return nil }
        var copy = node(Int(base.offset), base.kind)
        for (offset, field) in fields.reversed() {
            copy = node(offset, .select(operand: copy, field: field, testOnly: false))
        }
        return copy
    }
}
