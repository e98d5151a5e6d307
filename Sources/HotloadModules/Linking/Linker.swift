import CEL

/// Compiles and links module sources into a `Snapshot`.
///
/// Linking checks everything that can be known before a call: imports exist and form a
/// DAG, imported names exist and are public, every name and overload in every body
/// resolves, functions do not recurse (directly, mutually or across modules), no chain
/// of calls is deeper than `Limits.maxCallDepth` (CEL's E405, computed when each function
/// is compiled), no module has more syntax nodes than `Limits.maxNodes`, every `let`
/// evaluates without error under `limits`, and all lets and constant folding together
/// spend at most `Limits.maxLinkCost` (E413). All problems of all files are reported at
/// once, except that the link stops at E413 and E412.
///
/// The outcome depends only on the sources (taken in name order) and `limits`, not on the
/// machine: a link and a relink of the same modules accept or refuse alike (the time
/// limit, when given, is the one exception).
public struct Linker: Sendable {
    public let host: HostEnvironment
    public let limits: Limits
    /// The CEL environment every module starts from: the standard library plus the host's
    /// declarations. Built once here, because building the standard library's overload
    /// table costs more than compiling a small module, and a node relinks on every release.
    let environment: Environment

    public init(host: HostEnvironment = .init(), limits: Limits = .default) {
        self.host = host
        self.limits = limits
        self.environment = host.makeEnvironment(limits: limits)
    }

    /// Compiles and links a complete set of modules.
    ///
    /// With a `timeLimit`, linking stops with an `E412` diagnostic at the first declaration
    /// that finishes after it. It is a backstop for releases that are merely huge (many
    /// modules, each under the node limit); the work of lets and folding is bounded by
    /// `Limits.maxLinkCost`, the same on every machine.
    public func link(_ sources: [ModuleSource], timeLimit: Duration? = nil) throws(CompileError) -> Snapshot {
        // In name order, and of two modules with one name the first given is compiled and
        // the second reported (E304).
        let ordered = sources.enumerated().sorted { ($0.element.name, $0.offset) < ($1.element.name, $1.offset) }
        return try build(sources: ordered.map(\.element), previous: nil, dirty: nil, clock: LinkClock(timeLimit))
    }

    /// Links `previous` with some modules changed or added and some removed, recompiling
    /// only the changed modules and the modules that import them (directly or not). The
    /// modules taken from `previous` charge the cost they spent when they were compiled, so
    /// that the link's cost budget decides as for a full link of the same modules.
    /// `timeLimit` as for `link`.
    public func relink(_ previous: Snapshot, changed: [ModuleSource], removed: [String],
                       timeLimit: Duration? = nil) throws(CompileError) -> Snapshot {
        var sources: [String: ModuleSource] = [:]
        for (name, module) in previous.modules { sources[name] = module.source }
        for name in removed { sources[name] = nil }
        for source in changed { sources[source.name] = source }
        let dirty = Set(changed.map(\.name)).union(removed)
        return try build(sources: sources.values.sorted { $0.name < $1.name }, previous: previous, dirty: dirty,
                         clock: LinkClock(timeLimit))
    }

    /// Links `sources`; when `previous` is given, modules outside `dirty` and its
    /// dependents are taken from it as they are.
    private func build(sources: [ModuleSource], previous: Snapshot?, dirty: Set<String>?,
                       clock: LinkClock) throws(CompileError) -> Snapshot {
        var diagnostics: [Diagnostic] = []
        var parsed: [String: ModuleSyntax] = [:]
        var graph = DependencyGraph()
        var seen = Set<String>()
        var sourcesByName: [String: ModuleSource] = [:]
        var attempted = Set<String>()

        // Parse what must be compiled; reused modules keep their import lists.
        for source in sources {
            guard seen.insert(source.name).inserted else {
                diagnostics.append(Diagnostic(code: ModuleErrorCode.duplicateModule,
                                              message: "module '\(source.name)' is given twice",
                                              source: Source(name: source.path, text: source.text), offset: 0))
                continue
            }
            graph.addNode(source.name)
            sourcesByName[source.name] = source
            if let dirty, !dirty.contains(source.name), let reused = previous?.modules[source.name] {
                for imported in reused.imports { graph.addEdge(from: source.name, to: imported) }
                continue
            }
            attempted.insert(source.name)
            let (syntax, problems) = try parse(source, clock: clock, diagnostics: &diagnostics)
            diagnostics += problems
            if let syntax {
                parsed[source.name] = syntax
                for imported in syntax.imports { graph.addEdge(from: source.name, to: imported.path) }
            }
        }

        var order: [String]
        switch graph.topologicalOrder() {
        case .success(let sorted):
            order = sorted.filter { seen.contains($0) }
        case .failure(let cycle):
            for name in Set(cycle.path) {
                guard let syntax = parsed[name] else { continue }
                for imported in syntax.imports where cycle.path.contains(imported.path) {
                    diagnostics.append(Diagnostic(code: ModuleErrorCode.importCycle,
                                                  message: "import cycle: \(cycle.description)",
                                                  source: syntax.source, offset: Int(imported.offset)))
                }
            }
            throw CompileError(sorted(diagnostics))
        }

        let recompile: Set<String> = {
            guard let dirty else { return Set(order) }
            return graph.dependents(of: dirty)
        }()
        // Dependents of changed modules were taken from `previous` above; parse them now.
        for source in sources where recompile.contains(source.name) && !attempted.contains(source.name) {
            let (syntax, problems) = try parse(source, clock: clock, diagnostics: &diagnostics)
            diagnostics += problems
            parsed[source.name] = syntax
        }

        // Imports must name given modules.
        for name in order {
            guard recompile.contains(name), let syntax = parsed[name] else { continue }
            for imported in syntax.imports where !seen.contains(imported.path) {
                diagnostics.append(Diagnostic(code: ModuleErrorCode.unknownModule,
                                              message: "unknown module '\(imported.path)' imported",
                                              source: syntax.source, offset: Int(imported.offset)))
            }
        }

        var linked: [String: LinkedModule] = [:]
        var failed = Set<String>()
        var recompiled: [String] = []
        var budget = CostBudget(limits.maxLinkCost)
        for name in order {
            if !recompile.contains(name), let reused = previous?.modules[name] {
                if reused.linkCost <= budget.remaining {
                    budget.charge(reused.linkCost)
                    linked[name] = reused
                    continue
                }
                // Its cost no longer fits: compile it, so that the link runs out at the same
                // declaration as a full link would.
                let (syntax, problems) = try parse(reused.source, clock: clock, diagnostics: &diagnostics)
                diagnostics += problems
                parsed[name] = syntax
            }
            guard let syntax = parsed[name] else { failed.insert(name); continue }
            recompiled.append(name)
            var moduleDiagnostics: [Diagnostic] = []
            guard let moduleSource = sourcesByName[name] else { failed.insert(name); continue }
            let module = ModuleCompiler(syntax: syntax, moduleSource: moduleSource, environment: environment,
                                        limits: limits, imports: linked, clock: clock)
                .compile(into: &moduleDiagnostics, budget: &budget)
            diagnostics += moduleDiagnostics
            if moduleDiagnostics.contains(where: { [ModuleErrorCode.linkTooSlow, ModuleErrorCode.linkCostExceeded].contains($0.code) }) {
                throw CompileError(sorted(diagnostics))
            }
            if let module, moduleDiagnostics.isEmpty { linked[name] = module } else { failed.insert(name) }
        }

        guard diagnostics.isEmpty else { throw CompileError(sorted(diagnostics)) }
        return Snapshot(modules: linked, recompiled: recompiled, environment: environment)
    }

    /// Parses one module; throws what was found so far when that took the link past its
    /// time limit.
    private func parse(_ source: ModuleSource, clock: LinkClock,
                       diagnostics: inout [Diagnostic]) throws(CompileError) -> (ModuleSyntax?, [Diagnostic]) {
        let result = ModuleParser.parse(source, limits: limits, deadline: clock.deadline)
        if let overrun = clock.overrun(after: "module '\(source.name)'", source: Source(name: source.path, text: source.text),
                                       offset: 0) {
            diagnostics += result.1
            diagnostics.append(overrun)
            throw CompileError(sorted(diagnostics))
        }
        return result
    }

    /// Diagnostics by file, then position, so that each file's problems read top to bottom.
    private func sorted(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        diagnostics.sorted { ($0.file, $0.location.offset) < ($1.file, $1.location.offset) }
    }
}
