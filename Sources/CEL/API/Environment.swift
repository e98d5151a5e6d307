/// The declarations an expression is compiled against: the standard library and all
/// extensions, plus the host's variables, constants and functions, in a container
/// (namespace) for name resolution.
///
/// ```swift
/// var env = Environment()
/// env.declare(variable: "order", type: .map(.string, .dyn))
/// let program = try env.compile(Source(text: "order.total > 100.0"))
/// let result = program.evaluate(["order": orderValue])
/// ```
public struct Environment: Sendable {
    /// The namespace unqualified names are resolved in (`a.b` makes `x` mean `a.b.x`,
    /// `a.x` or `x`, the first one declared).
    public var container: String {
        get { declarations.container }
        set { declarations.container = newValue }
    }
    /// Parse-time and run-time limits of programs compiled here.
    public var limits: Limits

    var declarations: Declarations

    /// An environment with the standard library and all extensions.
    public init(container: String = "", limits: Limits = .default) {
        self.limits = limits
        var decls = Declarations()
        decls.container = container
        for decl in StandardLibrary.declarations(limits: limits) {
            decls.functions[decl.name] = decl
            decls.pureFunctions.insert(decl.name)
        }
        self.declarations = decls
    }

    /// Declares a variable that is bound at evaluation time. Qualified names (`a.b.c`)
    /// are allowed and take part in name resolution.
    public mutating func declare(variable: String, type: CELType = .dyn) {
        declarations.variables[variable] = type
        declarations.constants[variable] = nil
    }

    /// Declares a name whose value is known now; references to it are folded at compile time.
    public mutating func declare(constant: String, value: Value) {
        declarations.constants[constant] = value
        declarations.variables[constant] = nil
    }

    /// Declares a host function. Overloads are added to a library function of the same
    /// name (and replace overloads with the same id). Host functions are never folded.
    public mutating func declare(function: FunctionDecl) {
        declarations.pureFunctions.remove(function.name)
        declarations.compiled[function.name] = nil
        guard var existing = declarations.functions[function.name] else {
            declarations.functions[function.name] = function
            return
        }
        let ids = Set(function.overloads.map(\.id))
        existing.overloads.removeAll { ids.contains($0.id) }
        existing.overloads += function.overloads
        declarations.functions[function.name] = existing
    }

    /// Declares a compiled (module) function under `name` (which may be qualified, such as
    /// `tax.rate`). Calls to it are checked for arity and run the compiled body directly.
    public mutating func declare(function name: String, compiled: CompiledFunction) {
        declarations.compiled[name] = compiled
    }

    /// Whether a variable, constant or function of exactly this name is declared.
    public func isDeclared(_ name: String) -> Bool {
        declarations.variables[name] != nil || declarations.constants[name] != nil || declarations.hasFunction(name)
    }

    /// Parses source text (macros expanded) without checking it.
    public func parse(_ source: Source) throws(CompileError) -> ParsedExpr {
        try CELParser.parse(source, options: ParseOptions(limits: limits))
    }

    /// Parses, checks and plans an expression.
    public func compile(_ source: Source) throws(CompileError) -> Program {
        let parsed = try parse(source)
        return try compile(parsed.expr, in: source)
    }

    /// Checks and plans an already parsed expression.
    public func compile(_ expr: Expr, in source: Source) throws(CompileError) -> Program {
        try compile(expr, in: source, checked: true)
    }

    /// Checks (unless `checked` is false: then unresolved names and overloads become
    /// run-time errors and run-time dispatch) and plans an expression.
    public func compile(_ expr: Expr, in source: Source, checked: Bool) throws(CompileError) -> Program {
        var budget: CostBudget?
        return try compile(expr, in: source, checked: checked, budget: &budget)
    }

    /// Checks and plans an already parsed expression, spending `budget` on constant
    /// folding (a fold it cannot cover is left to run time and exhausts it).
    public func compile(_ expr: Expr, in source: Source, budget: inout CostBudget) throws(CompileError) -> Program {
        var shared: CostBudget? = budget
        defer { if let shared { budget = shared } }
        return try compile(expr, in: source, checked: true, budget: &shared)
    }

    private func compile(_ expr: Expr, in source: Source, checked: Bool,
                         budget: inout CostBudget?) throws(CompileError) -> Program {
        let result = try Checker.check(expr, declarations: declarations, source: source, lenient: !checked)
        _ = try staticBounds(result, ownFrame: false, name: nil, in: source)
        var planner = Planner(checked: result, declarations: declarations, limits: limits, budget: budget)
        let root = planner.plan()
        budget = planner.budget
        return Program(root: root, variableNames: planner.variableNames, shape: planner.shape,
                       resultType: result.resultType, limits: limits)
    }

    /// Compiles a function body whose parameters are in scope as variables (they shadow
    /// declared variables of the same name). Other variables the body uses are unbound
    /// when the function is called and evaluate to errors.
    public func compileFunction(name: String, parameters: [String], body: Expr, in source: Source)
        throws(CompileError) -> CompiledFunction {
        var budget: CostBudget?
        return try compileFunction(name: name, parameters: parameters, body: body, in: source, budget: &budget)
    }

    /// `compileFunction` spending `budget` on constant folding, as `compile(_:in:budget:)`.
    public func compileFunction(name: String, parameters: [String], body: Expr, in source: Source,
                                budget: inout CostBudget) throws(CompileError) -> CompiledFunction {
        var shared: CostBudget? = budget
        defer { if let shared { budget = shared } }
        return try compileFunction(name: name, parameters: parameters, body: body, in: source, budget: &shared)
    }

    private func compileFunction(name: String, parameters: [String], body: Expr, in source: Source,
                                 budget: inout CostBudget?) throws(CompileError) -> CompiledFunction {
        var decls = declarations
        for p in parameters {
            decls.variables[p] = .dyn
            decls.constants[p] = nil
        }
        let result = try Checker.check(body, declarations: decls, source: source, lenient: false)
        let bounds = try staticBounds(result, ownFrame: true, name: name, in: source)
        var planner = Planner(checked: result, declarations: decls, limits: limits, parameters: parameters,
                              budget: budget)
        let root = planner.plan()
        budget = planner.budget
        return CompiledFunction(name: name, arity: parameters.count, root: root,
                                variableCount: planner.variableNames.count, shape: planner.shape,
                                staticCost: planner.nodeCount, addedDepth: bounds.addedDepth,
                                callDepth: bounds.callDepth, deepestCallee: bounds.deepestCallee,
                                resultType: result.resultType, limits: limits)
    }

    /// The nesting a checked expression adds to its inputs and the longest chain of
    /// compiled calls it starts (`StaticBounds`): E404 when the nesting can pass
    /// `Limits.maxValueDepth`, E405 when a call chain (with the function's own frame, named
    /// `name`, when `ownFrame`) is longer than `Limits.maxCallDepth`. E405 is the one check
    /// of call depth: the module linker reports it as it is, for chains across modules too.
    private func staticBounds(_ checked: CheckedExpr, ownFrame: Bool, name: String?, in source: Source)
        throws(CompileError) -> (addedDepth: Int, callDepth: Int, deepestCallee: CompiledFunction?) {
        var analysis = StaticBounds(checked: checked, limit: limits.maxValueDepth)
        let depth = analysis.bound()
        guard depth <= limits.maxValueDepth else {
            throw CompileError([Diagnostic(
                code: CELErrorCode.valueTooDeep,
                message: "values built here can nest more than \(limits.maxValueDepth) levels deeper than the input (Limits.maxValueDepth)",
                source: source, offset: Int(analysis.offendingOffset ?? checked.expr.offset))])
        }
        let callDepth = analysis.callDepth + (ownFrame ? 1 : 0)
        guard callDepth <= limits.maxCallDepth else {
            let chain = CompiledFunction.describeChain(caller: ownFrame ? name : nil, callee: analysis.deepestCallee)
            throw CompileError([Diagnostic(
                code: CELErrorCode.callsTooDeep,
                message: "call chain too deep: \(chain) is \(callDepth) calls deep, "
                    + "more than the limit of \(limits.maxCallDepth) (Limits.maxCallDepth)",
                source: source, offset: Int(analysis.deepestCallOffset ?? checked.expr.offset))])
        }
        return (depth, callDepth, analysis.deepestCallee)
    }
}
