/// The type checker: resolves every identifier, qualified name and call against the
/// declarations, computes a type for every node (`dyn` where it cannot know), and reports
/// what it cannot resolve as diagnostics. In lenient mode (checking disabled) nothing is
/// refused: unresolved names and overloads become run-time errors or run-time dispatch.
struct Checker {
    let declarations: Declarations
    let source: Source
    let lenient: Bool
    private(set) var diagnostics: [Diagnostic] = []
    private var types: [Int32: CELType] = [:]
    private var references: [Int32: Reference] = [:]
    /// Comprehension variables in scope, innermost last.
    private var scopes: [[String: CELType]] = []

    init(declarations: Declarations, source: Source, lenient: Bool) {
        self.declarations = declarations
        self.source = source
        self.lenient = lenient
    }

    /// Checks `expr`; throws the diagnostics unless lenient.
    static func check(_ expr: Expr, declarations: Declarations, source: Source,
                      lenient: Bool = false) throws(CompileError) -> CheckedExpr {
        var checker = Checker(declarations: declarations, source: source, lenient: lenient)
        _ = checker.check(expr)
        if !lenient, !checker.diagnostics.isEmpty { throw CompileError(checker.diagnostics) }
        return CheckedExpr(expr: expr, types: checker.types, references: checker.references)
    }

    // MARK: - Nodes

    private mutating func check(_ e: Expr) -> CELType {
        let t = checkKind(e)
        types[e.id] = t
        return t
    }

    private mutating func checkKind(_ e: Expr) -> CELType {
        switch e.kind {
        case .literal(let c):
            switch c {
            case .null: return .null
            case .bool: return .bool
            case .int: return .int
            case .uint: return .uint
            case .double: return .double
            case .string: return .string
            case .bytes: return .bytes
            }
        case .ident(let name):
            return checkIdent(e, name)
        case .select(let operand, let field, let testOnly):
            return checkSelect(e, operand: operand, field: field, testOnly: testOnly)
        case .call(let target, let function, let args):
            return checkCall(e, target: target, function: function, args: args)
        case .list(let elements, let optionalIndices):
            var elem: CELType?
            for (i, el) in elements.enumerated() {
                var t = check(el)
                if optionalIndices.contains(i) {
                    if case .optional(let inner) = t { t = inner } else { t = .dyn }
                }
                elem = elem.map { TypeUnifier.join($0, t) } ?? t
            }
            return .list(elem ?? .dyn)
        case .map(let entries):
            var key: CELType?, value: CELType?
            for entry in entries {
                let k = check(entry.key)
                var v = check(entry.value)
                if entry.optional {
                    if case .optional(let inner) = v { v = inner } else { v = .dyn }
                }
                key = key.map { TypeUnifier.join($0, k) } ?? k
                value = value.map { TypeUnifier.join($0, v) } ?? v
            }
            return .map(key ?? .dyn, value ?? .dyn)
        case .comprehension(let c):
            return checkComprehension(e, c)
        }
    }

    private func localType(_ name: String) -> CELType? {
        for scope in scopes.reversed() {
            if let t = scope[name] { return t }
        }
        return nil
    }

    /// Resolves a (possibly qualified) name against globals: variables, constants, type names.
    private mutating func resolveGlobal(_ e: Expr, _ name: String) -> CELType? {
        for candidate in declarations.candidates(name) {
            if let t = declarations.variables[candidate] {
                references[e.id] = .variable(candidate)
                return t
            }
            if let v = declarations.constants[candidate] {
                references[e.id] = .constant(v)
                return Checker.staticType(of: v)
            }
            if let t = CELType.standardType(named: candidate) {
                references[e.id] = .constant(.type(t))
                return .type(t)
            }
        }
        return nil
    }

    private mutating func checkIdent(_ e: Expr, _ name: String) -> CELType {
        if let t = localType(name) { return t }
        if let t = resolveGlobal(e, name) { return t }
        references[e.id] = .undeclared(name)
        report(CELErrorCode.undeclared, "undeclared reference to '\(name)'\(declarations.containerSuffix)", e)
        return .dyn
    }

    /// `a.b.c` as a dotted name when the chain is made of plain selects over an identifier
    /// that is not a comprehension variable.
    private func qualifiedName(_ e: Expr) -> String? {
        switch e.kind {
        case .ident(let name):
            return localType(name) == nil ? name : nil
        case .select(let operand, let field, let testOnly):
            guard !testOnly, let prefix = qualifiedName(operand) else { return nil }
            return prefix + "." + field
        default:
            return nil
        }
    }

    private mutating func checkSelect(_ e: Expr, operand: Expr, field: String, testOnly: Bool) -> CELType {
        if !testOnly, let name = qualifiedName(e), let t = resolveGlobal(e, name) { return t }
        let operandType = check(operand)
        if testOnly {
            _ = fieldType(operandType, field, e)
            return .bool
        }
        return fieldType(operandType, field, e)
    }

    private mutating func fieldType(_ operandType: CELType, _ field: String, _ e: Expr) -> CELType {
        switch operandType {
        case .map(let k, let v):
            switch k {
            case .string, .dyn, .typeParam, .error: return v
            default: break
            }
        case .dyn, .error, .typeParam:
            return .dyn
        case .optional(let inner):
            return .optional(fieldType(inner, field, e))
        default:
            break
        }
        report(CELErrorCode.typeMismatch, "type '\(operandType)' does not support field selection", e)
        return .dyn
    }

    private mutating func checkComprehension(_ e: Expr, _ c: Comprehension) -> CELType {
        let rangeType = check(c.iterRange)
        var first: CELType = .dyn, second: CELType = .dyn
        switch rangeType {
        case .list(let elem):
            if c.iterVar2 != nil { first = .int; second = elem } else { first = elem }
        case .map(let k, let v):
            first = k
            second = v
        case .dyn, .error, .typeParam:
            break
        default:
            report(CELErrorCode.typeMismatch,
                   "expression of type '\(rangeType)' cannot be the range of a comprehension (must be list, map, or dynamic)",
                   c.iterRange)
        }
        let accuType = check(c.accuInit)
        scopes.append([c.accuVar: accuType])
        var iterScope = [c.iterVar: first]
        if let v2 = c.iterVar2 { iterScope[v2] = second }
        scopes.append(iterScope)
        _ = check(c.loopCondition)
        _ = check(c.loopStep)
        scopes.removeLast()
        let result = check(c.result)
        scopes.removeLast()
        return result
    }

    // MARK: - Calls

    private mutating func checkCall(_ e: Expr, target: Expr?, function: String, args: [Expr]) -> CELType {
        if target == nil, let t = checkSpecialForm(e, function, args) { return t }
        // `ns.fn(args)`: the target is part of a qualified function name.
        if let target, let q = qualifiedName(target) {
            for candidate in declarations.candidates(q + "." + function) where declarations.hasFunction(candidate) {
                return checkResolvedCall(e, name: candidate, instance: false, receiver: nil, args: args, namespaced: true)
            }
        }
        if let target {
            return checkResolvedCall(e, name: function, instance: true, receiver: target, args: args, namespaced: false)
        }
        for candidate in declarations.candidates(function) where declarations.hasFunction(candidate) {
            return checkResolvedCall(e, name: candidate, instance: false, receiver: nil, args: args, namespaced: false)
        }
        for arg in args { _ = check(arg) }
        references[e.id] = .unboundFunction(function)
        report(CELErrorCode.undeclared, "undeclared reference to '\(function)'\(declarations.containerSuffix)", e)
        return .dyn
    }

    private mutating func checkResolvedCall(_ e: Expr, name: String, instance: Bool, receiver: Expr?,
                                            args: [Expr], namespaced: Bool) -> CELType {
        var argTypes: [CELType] = []
        if let receiver { argTypes.append(check(receiver)) }
        for arg in args { argTypes.append(check(arg)) }
        if let compiled = declarations.compiled[name], !instance {
            references[e.id] = .compiled(compiled, namespaced: namespaced)
            if compiled.arity != argTypes.count {
                report(CELErrorCode.arity,
                       "function '\(name)' takes \(compiled.arity) argument\(compiled.arity == 1 ? "" : "s"), not \(argTypes.count)", e)
            }
            return compiled.resultType
        }
        guard let decl = declarations.functions[name] else {
            references[e.id] = .unboundFunction(name)
            report(CELErrorCode.undeclared, "undeclared reference to '\(name)'\(declarations.containerSuffix)", e)
            return .dyn
        }
        var matched: [Overload] = []
        var result: CELType?
        for overload in decl.overloads where overload.isInstance == instance && overload.params.count == argTypes.count {
            var unifier = TypeUnifier()
            var ok = true
            for (param, arg) in zip(overload.params, argTypes) where !unifier.accept(param, arg) {
                ok = false
                break
            }
            guard ok else { continue }
            matched.append(overload)
            let r = unifier.substitute(overload.result)
            result = result.map { TypeUnifier.join($0, r) } ?? r
        }
        if matched.isEmpty {
            let shown = argTypes.map(\.description).joined(separator: ", ")
            report(CELErrorCode.noMatchingOverload,
                   "found no matching overload for '\(name)' applied to '(\(shown))'", e)
            // Without checking, let run-time dispatch decide among overloads of this arity.
            matched = decl.overloads.filter { $0.params.count == argTypes.count }
        }
        references[e.id] = .overloads(function: name, candidates: matched, namespaced: namespaced)
        return result ?? .dyn
    }

    /// Operators with non-strict or structural semantics, handled by the planner itself.
    private mutating func checkSpecialForm(_ e: Expr, _ function: String, _ args: [Expr]) -> CELType? {
        switch (function, args.count) {
        case (Operators.logicalAnd, 2), (Operators.logicalOr, 2):
            for arg in args { expectBool(check(arg), arg, function) }
            return .bool
        case (Operators.conditional, 3):
            expectBool(check(args[0]), args[0], function)
            return TypeUnifier.join(check(args[1]), check(args[2]))
        case (Operators.notStrictlyFalse, 1):
            _ = check(args[0])
            return .bool
        case ("@mapInsert", 3):
            let t = check(args[0])
            _ = check(args[1])
            _ = check(args[2])
            return t
        case (Operators.optionalSelect, 2):
            let operandType = check(args[0])
            _ = check(args[1])
            guard case .literal(.string(let field)) = args[1].kind else { return .optional(.dyn) }
            switch fieldType(operandType, field, e) {
            case .optional(let inner): return .optional(inner)
            case let t: return .optional(t)
            }
        case (Operators.index, 2):
            let operandType = check(args[0])
            let indexType = check(args[1])
            return indexResultType(operandType, indexType, e)
        case (Operators.optionalIndex, 2):
            let operandType = check(args[0])
            _ = check(args[1])
            var base = operandType
            if case .optional(let inner) = base { base = inner }
            switch base {
            case .list(let elem): return .optional(elem)
            case .map(_, let v): return .optional(v)
            default: return .optional(.dyn)
            }
        default:
            return nil
        }
    }

    private mutating func indexResultType(_ operandType: CELType, _ indexType: CELType, _ e: Expr) -> CELType {
        switch operandType {
        case .list(let elem):
            switch indexType {
            case .int, .uint, .double, .dyn, .error, .typeParam: return elem
            default: break
            }
        case .map(let k, let v):
            var unifier = TypeUnifier()
            if unifier.accept(k, indexType) { return v }
            if case .int = k, indexType == .uint || indexType == .double { return v }
            if case .uint = k, indexType == .int || indexType == .double { return v }
        case .optional(let inner):
            switch indexResultType(inner, indexType, e) {
            case .optional(let t): return .optional(t)
            case let t: return .optional(t)
            }
        case .dyn, .error, .typeParam:
            return .dyn
        default:
            break
        }
        report(CELErrorCode.noMatchingOverload,
               "found no matching overload for '_[_]' applied to '(\(operandType), \(indexType))'", e)
        return .dyn
    }

    private mutating func expectBool(_ t: CELType, _ e: Expr, _ function: String) {
        switch t {
        case .bool, .dyn, .error, .typeParam: return
        default:
            report(CELErrorCode.noMatchingOverload, "expected a bool operand for '\(function)', found '\(t)'", e)
        }
    }

    // MARK: - Helpers

    private mutating func report(_ code: String, _ message: String, _ e: Expr) {
        guard !lenient else { return }
        diagnostics.append(Diagnostic(code: code, message: message, source: source, offset: Int(e.offset)))
    }

    /// The static type of a constant value (collections as precise as their contents allow).
    static func staticType(of value: Value) -> CELType {
        switch value {
        case .type(let t): return .type(t)
        case .list(let items):
            var elem: CELType?
            for item in items {
                let t = staticType(of: item)
                elem = elem.map { TypeUnifier.join($0, t) } ?? t
            }
            return .list(elem ?? .dyn)
        case .map(let m):
            var key: CELType?, val: CELType?
            for i in 0..<m.count {
                let k = staticType(of: m.keys[i]), v = staticType(of: m.values[i])
                key = key.map { TypeUnifier.join($0, k) } ?? k
                val = val.map { TypeUnifier.join($0, v) } ?? v
            }
            return .map(key ?? .dyn, val ?? .dyn)
        case .optional(let o):
            return .optional(o.value.map(staticType(of:)) ?? .dyn)
        case .error:
            return .dyn
        default:
            return value.runtimeType
        }
    }
}

extension Declarations {
    /// ` (in container 'a.b')` for messages, or nothing when there is no container.
    var containerSuffix: String { container.isEmpty ? "" : " (in container '\(container)')" }
}
