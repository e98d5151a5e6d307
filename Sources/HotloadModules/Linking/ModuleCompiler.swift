import CEL

/// Compiles one module whose imports are already linked: declares imported names,
/// orders lets and functions by their references (refusing cycles: recursion), then
/// compiles functions and evaluates lets in that order, all spending the link's shared
/// cost budget. Call depth is CEL's rule (E405 from `compileFunction`), not checked here.
struct ModuleCompiler {
    let syntax: ModuleSyntax
    let moduleSource: ModuleSource
    /// The standard library and the host's declarations.
    let environment: Environment
    let limits: Limits
    /// Linked modules by name; contains every module `syntax` imports.
    let imports: [String: LinkedModule]
    let clock: LinkClock

    /// The linked module, or nil with the reasons appended to `diagnostics`. Lets and
    /// constant folding spend `budget`; running out is E413 at the declaration that ran out,
    /// and compilation stops there.
    func compile(into diagnostics: inout [Diagnostic], budget: inout CostBudget) -> LinkedModule? {
        let budgetBefore = budget.remaining
        var env = environment
        var aliases: [String: LinkedModule] = [:]
        // Imports that failed to link: declarations using them are skipped silently,
        // since the imported module's own diagnostics explain the problem.
        var failedAliases = Set<String>()
        for decl in syntax.imports {
            guard let module = imports[decl.path] else {
                failedAliases.insert(decl.alias)
                continue
            }
            aliases[decl.alias] = module
        }

        let letsByName = Dictionary(syntax.lets.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let fnsByName = Dictionary(syntax.functions.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let localNames = Set(letsByName.keys).union(fnsByName.keys)
        let aliasNames = Set(aliases.keys).union(failedAliases)

        // References of every declaration: the local ones order the work, the imported
        // ones are checked here so that the message can say what is wrong with them, and
        // declared: only the imported names used, so that the work of a module is bounded
        // by its own size, not by the size of the modules it imports (nor how often).
        var graph = DependencyGraph()
        var broken = Set<String>()
        var declaredImports = Set<String>()
        func collect(_ declName: String, _ expr: Expr, parameters: Set<String>) {
            graph.addNode(declName)
            let refs = References(of: expr, localNames: localNames, aliases: aliasNames, parameters: parameters)
            for local in refs.local { graph.addEdge(from: declName, to: local) }
            for use in refs.imported {
                guard let module = aliases[use.alias] else {
                    broken.insert(declName)
                    continue
                }
                if let problem = problem(with: use, in: module) {
                    diagnostics.append(Diagnostic(code: problem.code, message: problem.message,
                                                  source: syntax.source, offset: Int(use.offset)))
                    broken.insert(declName)
                    continue
                }
                let qualified = "\(use.alias).\(use.name)"
                guard declaredImports.insert(qualified).inserted else { continue }
                if let function = module.functions[use.name] {
                    env.declare(function: qualified, compiled: function)
                } else if let value = module.lets[use.name] {
                    env.declare(constant: qualified, value: value)
                }
            }
        }
        for decl in syntax.lets { collect(decl.name, decl.expr, parameters: []) }
        for decl in syntax.functions { collect(decl.name, decl.body, parameters: Set(decl.params.map(\.name))) }

        // Each group of declarations that refer to each other is reported once, with one
        // cycle through it; its members are left out and the rest is compiled.
        var failed = broken
        var order: [String] = []
        for component in graph.components() {
            guard let cycle = component.cycle else {
                order += component.members
                continue
            }
            let first = cycle.path.first ?? ""
            let offset = fnsByName[first].map { Int($0.offset) } ?? letsByName[first].map { Int($0.offset) } ?? 0
            let what = cycle.path.count == 2 ? "'\(first)' refers to itself" : "cycle \(cycle.description)"
            diagnostics.append(Diagnostic(
                code: ModuleErrorCode.recursion,
                message: "recursion is not allowed: \(what) (every call must terminate)",
                source: syntax.source, offset: offset))
            failed.formUnion(component.members)
        }

        var functions: [String: CompiledFunction] = [:]
        var lets: [String: Value] = [:]
        for declName in order {
            // Declarations that use a failed one would only repeat its error.
            if failed.contains(declName) { continue }
            if (graph.edges[declName] ?? []).contains(where: { failed.contains($0) }) {
                failed.insert(declName)
                continue
            }
            if let decl = fnsByName[declName] {
                do {
                    let function = try env.compileFunction(name: "\(name).\(decl.name)", parameters: decl.params.map(\.name),
                                                           body: decl.body, in: syntax.source, budget: &budget)
                    env.declare(function: decl.name, compiled: function)
                    functions[decl.name] = function
                } catch {
                    diagnostics += error.diagnostics
                    failed.insert(declName)
                }
            } else if let decl = letsByName[declName] {
                do {
                    let program = try env.compile(decl.expr, in: syntax.source, budget: &budget)
                    let value = program.evaluate([:], budget: &budget)
                    if budget.isExhausted {
                        // Reported below, at the let.
                    } else if case .error(let error) = value {
                        diagnostics.append(Diagnostic(code: ModuleErrorCode.letFailed,
                                                      message: "let '\(decl.name)' failed: \(error.message)",
                                                      source: syntax.source, offset: Int(error.offset ?? decl.offset)))
                        failed.insert(declName)
                    } else {
                        env.declare(constant: decl.name, value: value)
                        lets[decl.name] = value
                    }
                } catch {
                    diagnostics += error.diagnostics
                    failed.insert(declName)
                }
            }
            let (kind, offset) = fnsByName[declName].map { ("fn", $0.offset) } ?? ("let", letsByName[declName]?.offset ?? 0)
            if budget.isExhausted {
                diagnostics.append(Diagnostic(
                    code: ModuleErrorCode.linkCostExceeded,
                    message: "linking ran out of its cost budget at \(kind) '\(declName)': the lets and constant folding "
                        + "of one link may spend \(limits.maxLinkCost) cost units together (Limits.maxLinkCost); "
                        + "linking stopped here",
                    source: syntax.source, offset: Int(offset)))
                return nil
            }
            if let overrun = clock.overrun(after: "\(kind) '\(declName)'", source: syntax.source, offset: Int(offset)) {
                diagnostics.append(overrun)
                return nil
            }
        }
        guard failed.isEmpty, failedAliases.isEmpty else { return nil }
        return LinkedModule(name: name, source: moduleSource, imports: syntax.imports.map(\.path),
                            functions: functions, lets: lets, linkCost: budgetBefore - budget.remaining)
    }

    private var name: String { moduleSource.name }

    /// Why an imported name cannot be used, if it cannot.
    private func problem(with use: References.Imported, in module: LinkedModule) -> (code: String, message: String)? {
        let kind = use.isCall ? "function" : "value"
        if isPrivateName(use.name), module.functions[use.name] != nil || module.lets[use.name] != nil {
            return (ModuleErrorCode.privateName, "'\(use.name)' is private to module '\(module.name)'")
        }
        if use.isCall {
            if module.functions[use.name] != nil { return nil }
            if module.lets[use.name] != nil {
                return (ModuleErrorCode.unknownImportedName, "'\(use.alias).\(use.name)' is a value, not a function, in module '\(module.name)'")
            }
        } else {
            if module.lets[use.name] != nil { return nil }
            if module.functions[use.name] != nil {
                return (ModuleErrorCode.unknownImportedName, "function '\(use.alias).\(use.name)' must be called")
            }
        }
        return (ModuleErrorCode.unknownImportedName, "module '\(module.name)' has no \(kind) '\(use.name)'")
    }
}
