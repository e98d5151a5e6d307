import CEL

/// Parses module files:
/// ```
/// import billing/tax            // alias `tax`
/// import billing/tax as t       // alias `t`
/// let NAME = EXPR
/// fn NAME(P1, P2) = EXPR
/// ```
/// Bodies are CEL expressions and may span lines; a body ends at the first token that
/// cannot continue it, and `import`, `let` or `fn` at the start of a line always begins a
/// new declaration. Comments are `//` to the end of the line.
package enum ModuleParser {
    static let keywords: Set<String> = ["import", "let", "fn"]
    /// A file with more errors than this gets only the first ones (nobody reads more,
    /// and a hostile file must not make reporting slow).
    package static let maxDiagnostics = 100

    /// Parses `source`, collecting every error of the file: after a broken declaration
    /// it resumes at the next `import`, `let` or `fn` that starts a line. Returns the
    /// syntax only when there is no error at all.
    ///
    /// Past `deadline` (a link's time limit) it stops at the next declaration: what it
    /// returns then is incomplete, and the caller, who set the deadline, refuses it.
    package static func parse(_ source: ModuleSource, limits: Limits = .default,
                              deadline: ContinuousClock.Instant? = nil) -> (ModuleSyntax?, [Diagnostic]) {
        var state = ParseState(source: source, limits: limits, deadline: deadline)
        state.run()
        state.checkNames()
        guard state.diagnostics.isEmpty else { return (nil, state.diagnostics) }
        return (ModuleSyntax(imports: state.imports, lets: state.lets, functions: state.functions,
                             source: state.cel), [])
    }

    /// The module names imported by `source`, read leniently (declarations with errors
    /// elsewhere in the file do not matter), in source order without duplicates.
    package static func imports(in source: ModuleSource) -> [String] {
        var lexer = Lexer(source: Source(name: source.path, text: source.text))
        var result: [String] = []
        var found = Set<String>()
        var token = lexer.next()
        while token.kind != .end {
            guard token.isFirstOnLine, token.identifier == "import" else {
                token = lexer.next()
                continue
            }
            token = lexer.next()
            var segments: [String] = []
            while !token.isFirstOnLine, let segment = segmentText(token.kind) {
                segments.append(segment)
                token = lexer.next()
                guard token.kind == .slash else { break }
                token = lexer.next()
            }
            let path = segments.joined(separator: "/")
            if !segments.isEmpty, ModuleName.validate(path), found.insert(path).inserted { result.append(path) }
        }
        return result
    }

    /// The text of a token that can be a module path segment (keywords such as `in` or
    /// `true` lex specially but are valid segments).
    static func segmentText(_ kind: Token.Kind) -> String? {
        switch kind {
        case .identifier(let name): return name
        case .in: return "in"
        case .true: return "true"
        case .false: return "false"
        case .null: return "null"
        default: return nil
        }
    }
}

/// The work of one `ModuleParser.parse` call.
private struct ParseState {
    let module: ModuleSource
    let cel: Source
    var expressions: ExpressionParser
    var lexer: Lexer
    var token: Token
    var imports: [ImportDecl] = []
    var lets: [LetDecl] = []
    var functions: [FnDecl] = []
    var diagnostics: [Diagnostic] = []
    /// End offset of the last consumed token.
    var lastEnd = 0
    /// What was reported already: one diagnostic per position and code.
    var reported: Set<ReportKey> = []
    /// Syntax nodes of all bodies parsed so far, held to `limits.maxNodes`.
    var nodes = 0
    let limits: Limits
    let deadline: ContinuousClock.Instant?

    struct ReportKey: Hashable {
        var offset: Int
        var code: String
    }

    init(source: ModuleSource, limits: Limits, deadline: ContinuousClock.Instant?) {
        module = source
        self.limits = limits
        self.deadline = deadline
        cel = Source(name: source.path, text: source.text)
        expressions = ExpressionParser(source: cel, options: ParseOptions(enableMacros: true, limits: limits))
        expressions.declarationKeywords = ModuleParser.keywords
        lexer = Lexer(source: cel)
        token = lexer.next()
        if cel.utf8.count > limits.maxSourceBytes {
            diagnostics.append(Diagnostic(
                code: CELErrorCode.sourceTooLarge,
                message: "module is \(cel.utf8.count) bytes, more than the limit of \(limits.maxSourceBytes)",
                source: cel, offset: 0))
            token = Token(kind: .end, offset: 0, end: 0, isFirstOnLine: true)
        }
    }

    mutating func advance() {
        if let problem = token.problem {
            error(problem.code, problem.message, at: problem.offset)
        }
        lastEnd = token.end
        token = lexer.next()
    }

    mutating func error(_ code: String, _ message: String, at offset: Int) {
        guard diagnostics.count < ModuleParser.maxDiagnostics,
              reported.insert(ReportKey(offset: offset, code: code)).inserted else { return }
        diagnostics.append(Diagnostic(code: code, message: message, source: cel, offset: offset))
    }

    mutating func unexpected(_ expected: String) {
        if token.kind == .invalid, let problem = token.problem {
            error(problem.code, problem.message, at: problem.offset)
        } else {
            error(CELErrorCode.unexpectedToken, "unexpected \(token.kind.display), expected \(expected)", at: token.offset)
        }
    }

    /// Skips to the next `import`, `let` or `fn` that starts a line after `start`.
    mutating func recover(after start: Int) {
        while token.kind != .end {
            if token.offset > start, token.isFirstOnLine, ModuleParser.keywords.contains(token.identifier ?? "") { return }
            token = lexer.next()
        }
    }

    mutating func run() {
        while token.kind != .end && diagnostics.count < ModuleParser.maxDiagnostics {
            if let deadline, ContinuousClock.now > deadline { return }
            let start = token.offset
            let ok: Bool
            switch token.identifier {
            case "import": ok = parseImport()
            case "let": ok = parseLet()
            case "fn": ok = parseFunction()
            default:
                unexpected("'import', 'let' or 'fn'")
                ok = false
            }
            if !ok { recover(after: start) }
        }
    }

    /// `import a/b [as c]`
    mutating func parseImport() -> Bool {
        advance()
        let pathOffset = token.offset
        var segments: [String] = []
        while true {
            let expected = segments.isEmpty ? "a module path after 'import'" : "a path segment after '/'"
            if token.isFirstOnLine || token.kind == .end {
                error(CELErrorCode.unexpectedToken, "unexpected end of line, expected \(expected)", at: lastEnd)
                return false
            }
            guard let segment = ModuleParser.segmentText(token.kind) else {
                unexpected(expected)
                return false
            }
            if !ModuleName.isValidSegment(Substring(segment)) {
                error(ModuleErrorCode.invalidModulePath,
                      "path segment '\(segment)' must match [a-z_][a-z0-9_]* (lowercase letters, digits, '_')",
                      at: token.offset)
            }
            segments.append(segment)
            advance()
            guard token.kind == .slash else { break }
            advance()
        }
        var alias = segments[segments.count - 1]
        var aliasOffset = pathOffset
        if token.identifier == "as", !token.isFirstOnLine {
            advance()
            guard let name = token.identifier else {
                unexpected("an alias name after 'as'")
                return false
            }
            alias = name
            aliasOffset = token.offset
            advance()
        }
        checkAlias(alias, at: aliasOffset)
        imports.append(ImportDecl(path: segments.joined(separator: "/"), alias: alias, offset: Int32(clamping: pathOffset)))
        return endOfDeclaration()
    }

    /// `let NAME = EXPR`
    mutating func parseLet() -> Bool {
        advance()
        guard let (name, offset) = declaredName("a name after 'let'") else { return false }
        guard token.kind == .assign else {
            unexpected("'=' after 'let \(name)'")
            return false
        }
        guard let expr = parseBody(after: token) else { return false }
        guard withinNodeLimit(expr, declaration: "let '\(name)'", at: offset) else { return true }
        lets.append(LetDecl(name: name, expr: expr, offset: Int32(clamping: offset)))
        return endOfDeclaration()
    }

    /// `fn NAME(P1, P2) = EXPR`
    mutating func parseFunction() -> Bool {
        advance()
        guard let (name, offset) = declaredName("a function name after 'fn'") else { return false }
        guard token.kind == .leftParen else {
            unexpected("'(' after 'fn \(name)'")
            return false
        }
        advance()
        var params: [FnDecl.Parameter] = []
        var paramOffsets: [String: Int] = [:]
        if token.kind == .rightParen {
            advance()
        } else {
            while true {
                guard let (param, paramOffset) = declaredName("a parameter name") else { return false }
                if let first = paramOffsets[param] {
                    let column = cel.location(of: first).column
                    error(ModuleErrorCode.duplicateParameter,
                          "parameter '\(param)' of '\(name)' is declared twice (first at column \(column))", at: paramOffset)
                } else {
                    paramOffsets[param] = paramOffset
                }
                params.append(FnDecl.Parameter(name: param, offset: Int32(clamping: paramOffset)))
                if token.kind == .comma {
                    advance()
                    continue
                }
                guard token.kind == .rightParen else {
                    unexpected("',' or ')' in the parameter list")
                    return false
                }
                advance()
                break
            }
        }
        guard token.kind == .assign else {
            unexpected("'=' after the parameters of '\(name)'")
            return false
        }
        guard let body = parseBody(after: token) else { return false }
        guard withinNodeLimit(body, declaration: "fn '\(name)'", at: offset) else { return true }
        functions.append(FnDecl(name: name, params: params, body: body, offset: Int32(clamping: offset)))
        return endOfDeclaration()
    }

    /// An identifier being declared (not a reserved word); consumes it.
    mutating func declaredName(_ expected: String) -> (String, Int)? {
        guard let name = token.identifier, !(token.isFirstOnLine && ModuleParser.keywords.contains(name)) else {
            unexpected(expected)
            return nil
        }
        let offset = token.offset
        if ExpressionParser.reservedWords.contains(name) {
            error(CELErrorCode.reservedIdentifier, "'\(name)' is a reserved word and cannot be declared", at: offset)
        }
        advance()
        return (name, offset)
    }

    /// Parses the CEL expression after the `=` token `assign`, then resumes lexing after it.
    mutating func parseBody(after assign: Token) -> Expr? {
        do {
            let (expr, end) = try expressions.parseExpression(from: assign.end)
            lexer = Lexer(source: cel, offset: end)
            token = lexer.next()
            return expr
        } catch {
            for d in error.diagnostics { self.error(d.code, d.message, at: d.location.offset) }
            lexer = Lexer(source: cel, offset: assign.end)
            return nil
        }
    }

    /// Adds the nodes of `body` to the module's count. Past `limits.maxNodes` the module is
    /// refused (at the declaration that crossed it) and the rest of the file is not read:
    /// the limit bounds the work every later stage does on one module.
    mutating func withinNodeLimit(_ body: Expr, declaration: String, at offset: Int) -> Bool {
        nodes += body.nodeCount
        guard nodes > limits.maxNodes else { return true }
        error(ModuleErrorCode.moduleTooLarge,
              "module has more than \(limits.maxNodes) syntax nodes (Limits.maxNodes) with \(declaration); "
                  + "split it into smaller modules", at: offset)
        token = Token(kind: .end, offset: cel.utf8.count, end: cel.utf8.count, isFirstOnLine: true)
        return false
    }

    /// After a declaration the next token must start another one (or end the file).
    mutating func endOfDeclaration() -> Bool {
        if token.kind == .end { return true }
        if let name = token.identifier, ModuleParser.keywords.contains(name) { return true }
        unexpected("the end of the declaration (a new line with 'import', 'let' or 'fn')")
        return false
    }

    // MARK: - Names

    /// Names are checked as the file is read: aliases here, lets and functions in `checkNames`.
    var aliasOffsets: [String: Int] = [:]

    mutating func checkAlias(_ alias: String, at offset: Int) {
        if ExpressionParser.reservedWords.contains(alias) || ["in", "true", "false", "null"].contains(alias) {
            error(CELErrorCode.reservedIdentifier,
                  "'\(alias)' is a reserved word and cannot be an import alias; rename it with 'as'", at: offset)
        }
        if let first = aliasOffsets[alias] {
            error(ModuleErrorCode.duplicateImportAlias,
                  "import alias '\(alias)' is used twice (first on line \(cel.location(of: first).line)); rename one with 'as'",
                  at: offset)
        } else {
            aliasOffsets[alias] = offset
        }
    }

    /// Duplicate lets, functions, a name that is both, and names that clash with aliases.
    mutating func checkNames() {
        var seen: [String: (kind: String, offset: Int)] = [:]
        var declarations: [(name: String, kind: String, offset: Int)] =
            lets.map { ($0.name, "let", Int($0.offset)) } + functions.map { ($0.name, "fn", Int($0.offset)) }
        declarations.sort { $0.offset < $1.offset }
        for decl in declarations {
            if let alias = aliasOffsets[decl.name] {
                error(ModuleErrorCode.duplicateImportAlias,
                      "'\(decl.name)' is already the alias of an import (line \(cel.location(of: alias).line))",
                      at: decl.offset)
            }
            if let first = seen[decl.name] {
                let line = cel.location(of: first.offset).line
                if first.kind == decl.kind {
                    error(ModuleErrorCode.duplicateName,
                          "\(decl.kind) '\(decl.name)' is declared twice (first on line \(line))", at: decl.offset)
                } else {
                    error(ModuleErrorCode.letAndFunction,
                          "'\(decl.name)' is declared both as a let and as a fn (first on line \(line))", at: decl.offset)
                }
            } else {
                seen[decl.name] = (decl.kind, decl.offset)
            }
        }
        diagnostics.sort { $0.location.offset < $1.location.offset }
    }
}
