/// A recursive-descent parser for CEL expressions (google/cel-spec `doc/langdef.md`),
/// producing cel-go-shaped ASTs.
///
/// One instance can parse several expressions out of one source (the module layer
/// parses every `let` and `fn` body of a file with one parser): node ids stay unique
/// across calls.
///
/// Safety: recursion is bounded by `Limits.maxNestingDepth` on every recursive path, and
/// the depth of the produced tree is bounded by the same limit (unary chains, member
/// chains and left-associative operator chains are built iteratively and checked as they
/// grow), so later recursive passes over the AST cannot overflow the stack either.
public struct ExpressionParser: Sendable {
    public let source: Source
    public let options: ParseOptions

    var lexer: Lexer
    /// The current (not yet consumed) token.
    var tok: Token
    /// End offset of the last consumed token.
    var lastEnd = 0
    var nextID: Int32 = 1
    /// Tree depth of each node, indexed by `id - 1` (map entries get a placeholder).
    var depths: [UInt16] = []
    var diagnostics: [Diagnostic] = []
    var recursion = 0
    /// Set after a limit error or too many errors: the rest of the input is ignored.
    var halted = false
    var reportedDepth = false
    /// The first node id of the expression being parsed (for `Limits.maxNodes`).
    var firstID: Int32 = 1
    /// The declaration keyword that ended the expression, if one did.
    var stoppedAtKeyword: String?

    /// Identifiers that end an expression when they are the first token of a line. The
    /// module parser sets `import`, `let` and `fn` so that a declaration with a broken
    /// body does not swallow the next one.
    public var declarationKeywords: Set<String> = []

    /// More errors than this from one expression are not useful to anyone.
    static let maxDiagnostics = 20

    public init(source: Source, options: ParseOptions = .init()) {
        self.source = source
        self.options = options
        self.lexer = Lexer(source: source)
        self.tok = Token(kind: .end, offset: 0, end: 0, isFirstOnLine: true)
    }

    /// The largest node id handed out so far.
    public var maxID: Int32 { nextID - 1 }

    /// Parses one expression starting at byte `offset`, stopping at the first token that
    /// cannot continue it. Returns the expression and the offset just past its last token.
    public mutating func parseExpression(from offset: Int) throws(CompileError) -> (expr: Expr, end: Int) {
        try start(at: offset)
        let expr = parseExpr()
        if !diagnostics.isEmpty { throw CompileError(diagnostics) }
        return (expr, lastEnd)
    }

    /// Parses the whole source as one expression.
    mutating func parseWhole() throws(CompileError) -> Expr {
        try start(at: 0)
        let expr = parseExpr()
        if tok.kind != .end {
            reportUnexpected(expected: "an operator or the end of the expression")
        }
        if !diagnostics.isEmpty { throw CompileError(diagnostics) }
        return expr
    }

    private mutating func start(at offset: Int) throws(CompileError) {
        diagnostics = []
        halted = false
        reportedDepth = false
        recursion = 0
        firstID = nextID
        if source.utf8.count > options.limits.maxSourceBytes {
            throw CompileError([Diagnostic(
                code: CELErrorCode.sourceTooLarge,
                message: "source is \(source.utf8.count) bytes, more than the limit of \(options.limits.maxSourceBytes)",
                source: source, offset: 0)])
        }
        lexer = Lexer(source: source, offset: offset)
        stoppedAtKeyword = nil
        tok = stopAtDeclaration(lexer.next())
        lastEnd = tok.offset
    }

    /// A declaration keyword at the start of a line reads as the end of input.
    private mutating func stopAtDeclaration(_ token: Token) -> Token {
        guard token.isFirstOnLine, !declarationKeywords.isEmpty, let name = token.identifier,
              declarationKeywords.contains(name) else { return token }
        stoppedAtKeyword = name
        return Token(kind: .end, offset: token.offset, end: token.offset, isFirstOnLine: true)
    }

    // MARK: - Tokens

    @inline(never)
    mutating func advance() {
        if let problem = tok.problem { report(problem.code, problem.message, at: problem.offset) }
        lastEnd = tok.end
        if halted {
            tok = Token(kind: .end, offset: tok.end, end: tok.end, isFirstOnLine: false)
            return
        }
        tok = stopAtDeclaration(lexer.next())
    }

    /// Consumes the current token if it is `kind`; otherwise reports what was expected.
    @discardableResult
    mutating func expect(_ kind: Token.Kind, _ what: String) -> Bool {
        if tok.kind == kind {
            advance()
            return true
        }
        reportUnexpected(expected: what)
        return false
    }

    // MARK: - Diagnostics

    @inline(never)
    mutating func report(_ code: String, _ message: String, at offset: Int) {
        if halted { return }
        if diagnostics.contains(where: { $0.location.offset == offset }) { return }
        diagnostics.append(Diagnostic(code: code, message: message, source: source, offset: offset))
        if diagnostics.count >= Self.maxDiagnostics { halt() }
    }

    @inline(never)
    mutating func reportUnexpected(expected: String) {
        if tok.kind == .invalid, let problem = tok.problem {
            report(problem.code, problem.message, at: problem.offset)
        } else if tok.kind == .end, let keyword = stoppedAtKeyword {
            report(CELErrorCode.unexpectedToken,
                   "unexpected '\(keyword)' at the start of a line (a new declaration), expected \(expected)", at: tok.offset)
        } else if tok.kind == .end {
            report(CELErrorCode.unexpectedToken, "unexpected end of input, expected \(expected)", at: tok.offset)
        } else {
            let hint = tok.kind == .assign ? " (use '==' to compare)" : ""
            report(CELErrorCode.unexpectedToken, "unexpected \(tok.kind.display), expected \(expected)\(hint)", at: tok.offset)
        }
    }

    /// Stops parsing: from now on the current token is the end of input.
    mutating func halt() {
        halted = true
        tok = Token(kind: .end, offset: tok.offset, end: tok.offset, isFirstOnLine: false)
    }

    /// Skips tokens up to a `,` or an unmatched closing bracket (not consumed), so that a
    /// list, map or argument list can go on after an error.
    mutating func skipToSeparator() {
        var depth = 0
        while true {
            switch tok.kind {
            case .end:
                return
            case .leftParen, .leftBracket, .leftBrace:
                depth += 1
            case .rightParen, .rightBracket, .rightBrace:
                if depth == 0 { return }
                depth -= 1
            case .comma:
                if depth == 0 { return }
            default:
                break
            }
            advance()
        }
    }

    // MARK: - Nodes

    func depth(of expr: Expr) -> Int {
        let index = Int(expr.id) - 1
        return index >= 0 && index < depths.count ? Int(depths[index]) : 1
    }

    func childDepth(_ kind: Expr.Kind) -> Int {
        switch kind {
        case .literal, .ident:
            return 0
        case .select(let operand, _, _):
            return depth(of: operand)
        case .call(let target, _, let args):
            var d = target.map { depth(of: $0) } ?? 0
            for a in args { d = max(d, depth(of: a)) }
            return d
        case .list(let elements, _):
            return elements.reduce(0) { max($0, depth(of: $1)) }
        case .map(let entries):
            return entries.reduce(0) { max($0, depth(of: $1.key), depth(of: $1.value)) }
        case .comprehension(let c):
            return max(depth(of: c.iterRange), depth(of: c.accuInit), depth(of: c.loopCondition),
                       depth(of: c.loopStep), depth(of: c.result))
        }
    }

    /// A fresh node id. Past `Limits.maxNodes` nodes in one expression (macro expansions
    /// included), reports E403 once and stops parsing.
    mutating func newID(depth: Int) -> Int32 {
        let id = nextID
        let (next, overflow) = nextID.addingReportingOverflow(1)
        if overflow {
            report(CELErrorCode.tooManyNodes, "expression has too many nodes", at: tok.offset)
            halt()
        } else {
            nextID = next
            if Int(next - firstID) == options.limits.maxNodes + 1 {
                report(CELErrorCode.tooManyNodes,
                       "expression has more than \(options.limits.maxNodes) nodes after macro expansion (Limits.maxNodes)",
                       at: tok.offset)
                halt()
            }
        }
        depths.append(UInt16(clamping: depth))
        return id
    }

    /// Creates a node, refusing (with one E402 diagnostic) any that would make the tree
    /// deeper than the nesting limit. Helpers like this one are kept out of line so that
    /// the recursive grammar functions have small stack frames.
    @inline(never)
    mutating func node(_ offset: Int, _ kind: Expr.Kind) -> Expr {
        let d = childDepth(kind) + 1
        if d > options.limits.maxNestingDepth {
            reportTooDeep(at: offset)
            return errorNode(offset)
        }
        return Expr(id: newID(depth: d), offset: Int32(clamping: offset), kind: kind)
    }

    /// Reports (once) that the nesting limit was exceeded, and stops parsing.
    @inline(never)
    mutating func reportTooDeep(at offset: Int) {
        guard !reportedDepth else { return }
        reportedDepth = true
        report(CELErrorCode.nestingTooDeep,
               "expression is nested too deeply (the limit is \(options.limits.maxNestingDepth) levels)", at: offset)
        halt()
    }

    /// A placeholder for an expression that could not be parsed (an error was reported).
    @inline(never)
    mutating func errorNode(_ offset: Int) -> Expr {
        Expr(id: newID(depth: 1), offset: Int32(clamping: offset), kind: .literal(.null))
    }

    @inline(never)
    mutating func call(_ offset: Int, _ function: String, _ args: [Expr]) -> Expr {
        node(offset, .call(target: nil, function: function, args: args))
    }

    // MARK: - Grammar

    /// `Expr = ConditionalOr ["?" ConditionalOr ":" Expr]`
    mutating func parseExpr() -> Expr {
        recursion += 1
        defer { recursion -= 1 }
        if recursion > options.limits.maxNestingDepth {
            reportTooDeep(at: tok.offset)
            return errorNode(tok.offset)
        }
        let condition = parseOr()
        guard tok.kind == .question else { return condition }
        let question = tok
        advance()
        let whenTrue = parseOr()
        expect(.colon, "':' of the conditional operator")
        let whenFalse = parseExpr()
        return call(question.offset, Operators.conditional, [condition, whenTrue, whenFalse])
    }

    /// `ConditionalOr = [ConditionalOr "||"] ConditionalAnd`, balanced as cel-go does.
    mutating func parseOr() -> Expr {
        var terms = [parseAnd()]
        var ops: [Int] = []
        while tok.kind == .or {
            ops.append(tok.offset)
            advance()
            terms.append(parseAnd())
        }
        return balance(terms, ops, Operators.logicalOr)
    }

    /// `ConditionalAnd = [ConditionalAnd "&&"] Relation`, balanced as cel-go does.
    mutating func parseAnd() -> Expr {
        var terms = [parseRelation()]
        var ops: [Int] = []
        while tok.kind == .and {
            ops.append(tok.offset)
            advance()
            terms.append(parseRelation())
        }
        return balance(terms, ops, Operators.logicalAnd)
    }

    /// Builds a balanced tree of a chain of `&&` or `||` (depth log2(n), not n).
    @inline(never)
    mutating func balance(_ terms: [Expr], _ ops: [Int], _ function: String) -> Expr {
        guard terms.count > 1, ops.count == terms.count - 1 else { return terms[0] }
        return balancedTree(terms, ops, function, 0, ops.count - 1)
    }

    private mutating func balancedTree(_ terms: [Expr], _ ops: [Int], _ function: String, _ lo: Int, _ hi: Int) -> Expr {
        let mid = (lo + hi + 1) / 2
        let left = mid == lo ? terms[mid] : balancedTree(terms, ops, function, lo, mid - 1)
        let right = mid == hi ? terms[mid + 1] : balancedTree(terms, ops, function, mid + 1, hi)
        return call(ops[mid], function, [left, right])
    }

    /// `Relation = [Relation Relop] Addition`
    mutating func parseRelation() -> Expr {
        var left = parseAddition()
        while true {
            let function: String
            switch tok.kind {
            case .less: function = Operators.less
            case .lessEqual: function = Operators.lessEquals
            case .greater: function = Operators.greater
            case .greaterEqual: function = Operators.greaterEquals
            case .equalEqual: function = Operators.equals
            case .notEqual: function = Operators.notEquals
            case .in: function = Operators.in
            default: return left
            }
            let op = tok.offset
            advance()
            let right = parseAddition()
            left = call(op, function, [left, right])
        }
    }

    /// `Addition = [Addition ("+" | "-")] Multiplication`
    mutating func parseAddition() -> Expr {
        var left = parseMultiplication()
        while true {
            let function: String
            switch tok.kind {
            case .plus: function = Operators.add
            case .minus: function = Operators.subtract
            default: return left
            }
            let op = tok.offset
            advance()
            let right = parseMultiplication()
            left = call(op, function, [left, right])
        }
    }

    /// `Multiplication = [Multiplication ("*" | "/" | "%")] Unary`
    mutating func parseMultiplication() -> Expr {
        var left = parseUnary()
        while true {
            let function: String
            switch tok.kind {
            case .star: function = Operators.multiply
            case .slash: function = Operators.divide
            case .percent: function = Operators.modulo
            default: return left
            }
            let op = tok.offset
            advance()
            let right = parseUnary()
            left = call(op, function, [left, right])
        }
    }

    /// `Unary = Member | "!" {"!"} Member | "-" {"-"} Member`. A single `-` directly
    /// before a number literal makes a negative literal (so the most negative int can be
    /// written), as in cel-go's grammar.
    mutating func parseUnary() -> Expr {
        switch tok.kind {
        case .bang, .minus:
            let kind = tok.kind
            var ops: [Int] = []
            while tok.kind == kind {
                ops.append(tok.offset)
                advance()
            }
            var operand: Expr
            if kind == .minus, ops.count == 1, let literal = negativeLiteral(at: ops[0]) {
                return parseMember(literal)
            }
            operand = parseMember(parsePrimary())
            let function = kind == .bang ? Operators.logicalNot : Operators.negate
            for op in ops.reversed() {
                operand = call(op, function, [operand])
            }
            return operand
        default:
            return parseMember(parsePrimary())
        }
    }

    /// If the current token is an int or double literal, consumes it as a negative
    /// literal starting at the `-` at `minus`.
    @inline(never)
    private mutating func negativeLiteral(at minus: Int) -> Expr? {
        switch tok.kind {
        case .int(let magnitude):
            let hadProblem = tok.problem != nil
            let at = tok.offset
            advance()
            if hadProblem { return errorNode(minus) }
            if magnitude <= UInt64(Int64.max) {
                return node(minus, .literal(.int(-Int64(magnitude))))
            }
            if magnitude == UInt64(Int64.max) + 1 {
                return node(minus, .literal(.int(.min)))
            }
            report(CELErrorCode.invalidNumber, "integer literal out of range: -\(magnitude)", at: at)
            return errorNode(minus)
        case .double(let value):
            advance()
            return node(minus, .literal(.double(-value)))
        default:
            return nil
        }
    }

    /// `Member = Primary | Member "." ["?"] IDENT ["(" [ExprList] ")"] | Member "[" ["?"] Expr "]"`
    mutating func parseMember(_ primary: Expr) -> Expr {
        var expr = primary
        while true {
            switch tok.kind {
            case .dot:
                let dot = tok.offset
                advance()
                var optional = false
                if tok.kind == .question {
                    optional = true
                    advance()
                }
                let nameToken = tok
                let name: String
                switch tok.kind {
                case .identifier(let s): name = s
                case .quotedIdentifier(let s): name = s
                default:
                    reportUnexpected(expected: "a field or function name after '.'")
                    return expr
                }
                advance()
                if case .identifier = nameToken.kind, !optional, tok.kind == .leftParen {
                    let open = tok.offset
                    advance()
                    let args = parseArguments()
                    expr = receiverCallOrMacro(open, target: expr, function: name, args: args)
                } else if optional {
                    let field = node(nameToken.offset, .literal(.string(name)))
                    expr = call(dot, Operators.optionalSelect, [expr, field])
                } else {
                    expr = node(dot, .select(operand: expr, field: name, testOnly: false))
                }
            case .leftBracket:
                let open = tok.offset
                advance()
                var optional = false
                if tok.kind == .question {
                    optional = true
                    advance()
                }
                let index = parseExpr()
                expect(.rightBracket, "']'")
                expr = call(open, optional ? Operators.optionalIndex : Operators.index, [expr, index])
            default:
                return expr
            }
        }
    }

    /// `Primary = ["."] IDENT ["(" [ExprList] ")"] | "(" Expr ")" | "[" [ExprList] [","] "]"
    ///          | "{" [MapInits] [","] "}" | LITERAL`
    mutating func parsePrimary() -> Expr {
        let t = tok
        switch t.kind {
        case .int(let magnitude):
            advance()
            if t.problem != nil { return errorNode(t.offset) }
            guard magnitude <= UInt64(Int64.max) else {
                report(CELErrorCode.invalidNumber, "integer literal out of range: \(magnitude)", at: t.offset)
                return errorNode(t.offset)
            }
            return node(t.offset, .literal(.int(Int64(magnitude))))
        case .uint(let value):
            advance()
            return node(t.offset, .literal(.uint(value)))
        case .double(let value):
            advance()
            return node(t.offset, .literal(.double(value)))
        case .string(let value):
            advance()
            return node(t.offset, .literal(.string(value)))
        case .bytes(let value):
            advance()
            return node(t.offset, .literal(.bytes(value)))
        case .true:
            advance()
            return node(t.offset, .literal(.bool(true)))
        case .false:
            advance()
            return node(t.offset, .literal(.bool(false)))
        case .null:
            advance()
            return node(t.offset, .literal(.null))
        case .identifier(let name):
            advance()
            return identifierOrCall(name, qualifiedName: name, at: t.offset)
        case .dot:
            advance()
            guard case .identifier(let name) = tok.kind else {
                reportUnexpected(expected: "an identifier after the leading '.'")
                return errorNode(t.offset)
            }
            let nameOffset = tok.offset
            advance()
            return identifierOrCall(name, qualifiedName: "." + name, at: nameOffset)
        case .leftParen:
            advance()
            let inner = parseExpr()
            expect(.rightParen, "')'")
            return inner
        case .leftBracket:
            advance()
            return parseList(at: t.offset)
        case .leftBrace:
            advance()
            return parseMap(at: t.offset)
        default:
            reportUnexpected(expected: "an expression")
            return errorNode(t.offset)
        }
    }

    private mutating func identifierOrCall(_ name: String, qualifiedName: String, at offset: Int) -> Expr {
        if Self.reservedWords.contains(name) {
            report(CELErrorCode.reservedIdentifier, "'\(name)' is a reserved word and cannot be used as an identifier", at: offset)
        }
        guard tok.kind == .leftParen else {
            return node(offset, .ident(qualifiedName))
        }
        let open = tok.offset
        advance()
        let args = parseArguments()
        return globalCallOrMacro(open, function: qualifiedName, args: args)
    }

    /// Parses `args)` after an opening parenthesis (no trailing comma, as in the grammar).
    mutating func parseArguments() -> [Expr] {
        var args: [Expr] = []
        parseSequence(closer: .rightParen, closerText: "')'", trailingComma: false) { parser in
            args.append(parser.parseExpr())
        }
        return args
    }

    private mutating func parseList(at open: Int) -> Expr {
        var elements: [Expr] = []
        var optionalIndices: [Int] = []
        parseSequence(closer: .rightBracket, closerText: "']'", trailingComma: true) { parser in
            if parser.tok.kind == .question {
                parser.advance()
                optionalIndices.append(elements.count)
            }
            elements.append(parser.parseExpr())
        }
        return node(open, .list(elements: elements, optionalIndices: optionalIndices))
    }

    private mutating func parseMap(at open: Int) -> Expr {
        var entries: [MapEntry] = []
        parseSequence(closer: .rightBrace, closerText: "'}'", trailingComma: true) { parser in
            var optional = false
            if parser.tok.kind == .question {
                parser.advance()
                optional = true
            }
            let key = parser.parseExpr()
            guard parser.expect(.colon, "':' after a map key") else { return }
            let value = parser.parseExpr()
            // Map entries have ids but no depth of their own.
            let id = parser.newID(depth: 0)
            entries.append(MapEntry(id: id, key: key, value: value, optional: optional))
        }
        return node(open, .map(entries: entries))
    }

    /// Parses comma-separated elements up to `closer` (the opener is already consumed),
    /// recovering from a bad element by skipping to the next `,` or the closer.
    private mutating func parseSequence(closer: Token.Kind, closerText: String, trailingComma: Bool,
                                        _ element: (inout ExpressionParser) -> Void) {
        if tok.kind == closer {
            advance()
            return
        }
        while true {
            element(&self)
            if tok.kind == .comma {
                let comma = tok.offset
                advance()
                if tok.kind == closer {
                    if !trailingComma {
                        report(CELErrorCode.unexpectedToken, "a trailing ',' is not allowed here", at: comma)
                    }
                    advance()
                    return
                }
                continue
            }
            if tok.kind == closer {
                advance()
                return
            }
            reportUnexpected(expected: "',' or \(closerText)")
            skipToSeparator()
            if tok.kind == .comma {
                advance()
                continue
            }
            if tok.kind == closer { advance() }
            return
        }
    }
}

extension ExpressionParser {
    /// Words reserved by the CEL specification: not usable as identifiers (they remain
    /// legal as field names and receiver-function names after a `.`).
    public static let reservedWords: Set<String> = [
        "as", "break", "const", "continue", "else", "for", "function", "if", "import", "let",
        "loop", "package", "namespace", "return", "var", "void", "while",
    ]
}
