/// The stable diagnostic codes of the module layer: loading module files (`E300`), linking
/// (`E301`–`E308`), module-level
/// declarations (`E310`–`E314`) and the limits of a whole module or link (`E41x`). Syntax
/// errors inside declarations use CEL's `E1xx`, names and types its `E2xx`, the limits of
/// one expression its `E40x` (`CELErrorCode`). The table of all codes is in the top-level
/// README ("Diagnostic codes").
public enum ModuleErrorCode {
    /// A module file that cannot be loaded: missing, unreadable, not UTF-8, too large, not
    /// under its root, or not named like a module (`ModuleFilesError`).
    public static let unloadableFile = "E300"
    /// An import of a module that is not among the modules being linked.
    public static let unknownModule = "E301"
    /// Modules that import each other in a cycle; the message names the cycle.
    public static let importCycle = "E302"
    /// Two sources with the same module name given to one link.
    public static let duplicateModule = "E304"
    /// An imported name that the module does not export, or used as the wrong kind
    /// (a let called, a function not called).
    public static let unknownImportedName = "E305"
    /// An imported name that is private (starts with `_`) to its module.
    public static let privateName = "E306"
    /// A function or let that refers to itself, directly or through others.
    public static let recursion = "E307"
    /// A let whose value fails to evaluate at link time (an error, a limit or the cost
    /// limit of one evaluation).
    public static let letFailed = "E308"
    /// Two lets, or two functions, with the same name.
    public static let duplicateName = "E310"
    /// A function parameter declared twice.
    public static let duplicateParameter = "E311"
    /// A module path segment that is not `[a-z_][a-z0-9_]*`.
    public static let invalidModulePath = "E312"
    /// Two imports with the same alias, or a let/fn named like an import alias.
    public static let duplicateImportAlias = "E313"
    /// A name declared both as a let and as a fn.
    public static let letAndFunction = "E314"
    /// A module whose expressions together have more syntax nodes than `Limits.maxNodes`.
    public static let moduleTooLarge = "E410"
    // E411 (call chain too deep) is retired: call depth is CEL's rule, and a chain of
    // module functions past `Limits.maxCallDepth` is CEL's E405 (`CELErrorCode.callsTooDeep`),
    // whose message names the chain across modules.
    /// Linking went past the `timeLimit` given to `Linker.link`/`relink` (a wall-clock
    /// backstop for releases that are merely huge; E413 is the deterministic bound).
    public static let linkTooSlow = "E412"
    /// The lets and constant folding of one link spent more than `Limits.maxLinkCost`.
    public static let linkCostExceeded = "E413"
}
