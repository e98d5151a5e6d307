import CEL

/// One module after linking: its compiled functions and evaluated lets.
public final class LinkedModule: Sendable {
    public let name: String
    public let source: ModuleSource
    /// Names of the modules it imports, in declaration order.
    public let imports: [String]
    /// All functions, private ones included, by name.
    let functions: [String: CompiledFunction]
    /// All lets, private ones included, with the values they evaluated to at link time.
    let lets: [String: Value]
    /// The cost units compiling the module and evaluating its lets spent from the link's
    /// budget (`Limits.maxLinkCost`); a relink that reuses the module charges them again.
    let linkCost: Int

    init(name: String, source: ModuleSource, imports: [String], functions: [String: CompiledFunction],
         lets: [String: Value], linkCost: Int) {
        self.name = name
        self.source = source
        self.imports = imports
        self.functions = functions
        self.lets = lets
        self.linkCost = linkCost
    }

    /// Public functions (names not starting with `_`) with their arity, sorted by name.
    public var exportedFunctions: [(name: String, arity: Int)] {
        functions.filter { !isPrivateName($0.key) }.map { ($0.key, $0.value.arity) }.sorted { $0.name < $1.name }
    }

    /// Public lets and their values.
    public var exportedLets: [String: Value] { lets.filter { !isPrivateName($0.key) } }
}

/// A consistent set of linked modules: immutable, and safe to call from many threads
/// at once without locks. Nodes swap whole snapshots; calls in flight keep theirs.
public final class Snapshot: Sendable {
    /// Linked modules by name.
    public let modules: [String: LinkedModule]
    /// Modules compiled to make this snapshot (the others were reused from the previous
    /// one by `Linker.relink`), in compilation order.
    public let recompiled: [String]
    /// The standard library and the host's declarations, for `compileExpression`.
    let environment: Environment

    init(modules: [String: LinkedModule], recompiled: [String], environment: Environment) {
        self.modules = modules
        self.recompiled = recompiled
        self.environment = environment
    }

    /// An empty snapshot (no modules), for nodes that have not loaded a release yet.
    public convenience init(host: HostEnvironment = .init(), limits: Limits = .default) {
        self.init(modules: [:], recompiled: [], environment: host.makeEnvironment(limits: limits))
    }

    /// All module names, sorted.
    public var moduleNames: [String] { modules.keys.sorted() }

    /// The modules `module` imports directly.
    public func imports(of module: String) -> [String] { modules[module]?.imports ?? [] }

    /// Every module that imports `module`, directly or through others (not `module` itself).
    public func dependents(of module: String) -> Set<String> {
        var result = ImportGraph(imports: modules.mapValues(\.imports)).dependents(of: [module])
        result.remove(module)
        return result
    }

    /// Looks a public function up once, for callers that call it many times.
    public func function(module: String, name: String) throws(CallError) -> CompiledFunction {
        guard let linked = modules[module] else {
            throw CallError(.unknownModule, "unknown module '\(module)'", module: module, function: name)
        }
        if isPrivateName(name) {
            throw CallError(.privateFunction, "function '\(name)' is private to module '\(module)'",
                            module: module, function: name)
        }
        guard let function = linked.functions[name] else {
            throw CallError(.unknownFunction, "module '\(module)' has no function '\(name)'", module: module, function: name)
        }
        return function
    }

    /// Calls `module.function(args)`. Evaluation errors come back as `.error` values;
    /// a call that cannot start (unknown module or function, wrong arity) throws.
    public func call(module: String, function name: String, args: [Value]) throws(CallError) -> Value {
        let function = try function(module: module, name: name)
        guard function.arity == args.count else {
            throw CallError(.wrongArity,
                            "\(module).\(name) takes \(function.arity) argument\(function.arity == 1 ? "" : "s"), not \(args.count)",
                            module: module, function: name)
        }
        return function.call(args)
    }

    /// Compiles a free-standing expression against the host environment (not the
    /// modules), with the given variable names bound at evaluation.
    public func compileExpression(_ text: String, variables: [String]) throws(CompileError) -> Program {
        var env = environment
        for variable in variables { env.declare(variable: variable) }
        return try env.compile(Source(name: "<expr>", text: text))
    }
}

/// Names starting with `_` are private to their module.
func isPrivateName(_ name: String) -> Bool { name.hasPrefix("_") }
