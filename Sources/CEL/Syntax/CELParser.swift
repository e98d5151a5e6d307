/// Options for parsing CEL source.
public struct ParseOptions: Sendable {
    /// Expand the macros (`has`, `all`, `exists`, `map`, `cel.bind`, ...). When false they
    /// stay plain calls.
    public var enableMacros = true
    /// `maxSourceBytes` and `maxNestingDepth` apply at parse time.
    public var limits: Limits = .default

    public init(enableMacros: Bool = true, limits: Limits = .default) {
        self.enableMacros = enableMacros
        self.limits = limits
    }
}

/// The result of parsing: the AST (macros expanded) and the source it came from.
public struct ParsedExpr: Sendable {
    public var expr: Expr
    public var source: Source
    /// The largest node id in `expr` (ids are `1...maxID`, though not all need appear).
    public var maxID: Int32

    public init(expr: Expr, source: Source, maxID: Int32) {
        self.expr = expr
        self.source = source
        self.maxID = maxID
    }
}

/// Parses a whole CEL expression.
public enum CELParser {
    /// Parses `source` as one expression; the whole text must be consumed.
    ///
    /// Throws every syntax error found (the parser recovers inside lists, maps and
    /// argument lists), each a `Diagnostic` with an `E1xx` code, or `E4xx` when the source
    /// is too large or nested too deeply.
    public static func parse(_ source: Source, options: ParseOptions = .init()) throws(CompileError) -> ParsedExpr {
        var parser = ExpressionParser(source: source, options: options)
        let result = try parser.parseWhole()
        return ParsedExpr(expr: result, source: source, maxID: parser.maxID)
    }
}
