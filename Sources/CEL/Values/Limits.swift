/// Limits that protect the host from hostile or runaway expressions. Exceeding a
/// parse-time limit is a diagnostic; exceeding a run-time limit is an error value.
public struct Limits: Sendable, Hashable {
    /// Largest source text accepted by the parser, in bytes.
    public var maxSourceBytes: Int = 1 << 20
    /// Deepest nesting of expressions (parentheses, calls, operators) the parser accepts.
    public var maxNestingDepth: Int = 128
    /// Cost units one evaluation may spend before it yields an error: one per node of a
    /// loop body per iteration and of a compiled function per call, plus one per byte or
    /// element that library calls read and build (see `API/README.md`).
    public var maxCost: Int = 10_000_000
    /// Most iterations of all comprehensions in one evaluation.
    public var maxIterations: Int = 1_000_000
    /// Longest string or bytes value an operation may produce, in bytes.
    public var maxStringBytes: Int = 1 << 24
    /// Longest list or largest map an operation may produce.
    public var maxCollectionSize: Int = 1 << 20
    /// Deepest nesting of JSON input accepted.
    public var maxJSONDepth: Int = 128
    /// Most syntax nodes, after macro expansion, of one parsed expression (E403); a
    /// module's expressions together are held to the same number. Exceeding it is a
    /// diagnostic.
    public var maxNodes: Int = 250_000
    /// Deepest chain of compiled-function calls (module functions calling each other) in
    /// one evaluation. `Environment.compile`/`compileFunction` refuse a call that would
    /// start a longer chain (E405, naming the chain); the module linker relies on this
    /// check for chains within and across modules and computes no depth itself. At run
    /// time a frame counter stops a deeper chain with an error value (reachable only when
    /// functions were compiled under different limits). The default keeps the deepest
    /// legal chain, and the deepest value it can build, well within a 512 KiB stack.
    public var maxCallDepth: Int = 64

    /// Most levels of nesting (lists, maps, optionals) an expression may add to the
    /// deepest of its inputs, counted through the compiled functions it calls, by a bound
    /// computed at compile time; more is a diagnostic (E404). With JSON input at most
    /// `maxJSONDepth` deep, no evaluation builds a value deeper than the sum of the two.
    public var maxValueDepth: Int = 128

    /// Cost units that all the work of one module link spends together, through one
    /// `CostBudget`: evaluating every `let` and constant folding in every declaration (a
    /// relink counts the recorded cost of the modules it reuses, so a link and a relink of
    /// the same modules decide alike). Running out is a link diagnostic (E413) at the
    /// declaration that ran out. A count, not a time: every machine links or refuses the
    /// same release, at the same place. Each `let` still has `maxCost` of its own at most.
    public var maxLinkCost: Int = 100_000_000

    public init() {}
    public static let `default` = Limits()
}
