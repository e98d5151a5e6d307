/// The stable diagnostic codes of the CEL engine: lexer and parser (`E1xx`), checker
/// (`E2xx`: names and types) and the limits of one expression (`E40x`). The module layer
/// owns `E3xx` and `E41x` (`ModuleErrorCode`). Tools may match on these codes; they never
/// change meaning. The table of all codes is in the top-level README ("Diagnostic codes").
public enum CELErrorCode {
    /// A character that cannot start a token, or a malformed backquoted name.
    public static let unexpectedCharacter = "E101"
    /// A token where the grammar does not allow it (or a missing one).
    public static let unexpectedToken = "E102"
    /// An invalid escape sequence in a string or bytes literal.
    public static let invalidEscape = "E103"
    /// A string or bytes literal without its closing quote.
    public static let unterminatedString = "E104"
    /// A number literal that is malformed or out of range.
    public static let invalidNumber = "E105"
    /// A reserved word used as an identifier.
    public static let reservedIdentifier = "E106"
    /// A macro called with arguments it cannot expand (e.g. a non-identifier variable).
    public static let invalidMacroArgument = "E107"
    /// A name that no variable, constant, type or function has.
    public static let undeclared = "E201"
    /// No overload of a function accepts the argument types.
    public static let noMatchingOverload = "E202"
    /// A type that does not support the operation (field selection, iteration, ...).
    public static let typeMismatch = "E203"
    /// A compiled function called with the wrong number of arguments.
    public static let arity = "E204"
    /// The source is larger than `Limits.maxSourceBytes`.
    public static let sourceTooLarge = "E401"
    /// Nesting deeper than `Limits.maxNestingDepth`.
    public static let nestingTooDeep = "E402"
    /// More syntax nodes, after macro expansion, than `Limits.maxNodes`.
    public static let tooManyNodes = "E403"
    /// An expression (with the compiled functions it calls) that can nest values more
    /// than `Limits.maxValueDepth` levels deeper than its inputs.
    public static let valueTooDeep = "E404"
    /// A call that starts a chain of compiled-function calls longer than `Limits.maxCallDepth`;
    /// the message names the chain. The module linker reports chains of module functions
    /// with it too (its own E411 is retired).
    public static let callsTooDeep = "E405"
}
