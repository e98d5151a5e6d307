/// Stable codes of the module layer's own diagnostics (syntax errors inside declarations
/// use the CEL `E1xx` codes, parse-time limits of one expression CEL's `E4xx`). The
/// linker's codes are E301–E309.
public enum ModuleErrorCode {
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
    // module functions past `Limits.maxCallDepth` is CEL's E405 (`SyntaxErrorCode.callsTooDeep`),
    // whose message names the chain across modules.
    /// Linking went past the `timeLimit` given to `Linker.link`/`relink` (a wall-clock
    /// backstop for releases that are merely huge; E413 is the deterministic bound).
    public static let linkTooSlow = "E412"
    /// The lets and constant folding of one link spent more than `Limits.maxLinkCost`.
    public static let linkCostExceeded = "E413"
}
