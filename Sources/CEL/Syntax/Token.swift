/// One lexical token of CEL source (also used by the module-file parser, which reads
/// `import a/b as c`, `let x =` and `fn f(a, b) =` with the same lexer).
public struct Token: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A plain identifier, including CEL's reserved words (`as`, `let`, `import`, ...),
        /// which are legal as field and receiver-function names.
        case identifier(String)
        /// A backquoted field name such as `` `content-type` ``.
        case quotedIdentifier(String)
        /// A decimal or hexadecimal integer literal's magnitude (the sign is a separate
        /// `-` token, so that `-9223372036854775808` can be accepted).
        case int(UInt64)
        case uint(UInt64)
        case double(Double)
        case string(String)
        case bytes([UInt8])
        case `true`, `false`, null, `in`
        case leftParen, rightParen, leftBracket, rightBracket, leftBrace, rightBrace
        case dot, comma, colon, question
        case plus, minus, star, slash, percent, bang
        case equalEqual, notEqual, less, lessEqual, greater, greaterEqual
        case and, or
        /// A single `=`: not CEL, but the module parser's `let x = ...`.
        case assign
        /// A character that cannot start any token (the token's `problem` says which).
        case invalid
        case end
    }

    public var kind: Kind
    /// Byte offset of the first byte of the token.
    public var offset: Int
    /// Byte offset just past the token.
    public var end: Int
    /// True when no other token precedes this one on its line.
    public var isFirstOnLine: Bool
    /// A lexical error inside the token (bad escape, unterminated string, out-of-range
    /// number, unknown character). The token still carries a best-effort value so that
    /// parsing can go on and report further errors.
    public var problem: Problem?

    public struct Problem: Sendable, Equatable {
        public var code: String
        public var message: String
        public var offset: Int
    }

    public init(kind: Kind, offset: Int, end: Int, isFirstOnLine: Bool, problem: Problem? = nil) {
        self.kind = kind
        self.offset = offset
        self.end = end
        self.isFirstOnLine = isFirstOnLine
        self.problem = problem
    }

    /// The identifier's name, if this token is a plain identifier.
    public var identifier: String? {
        if case .identifier(let name) = kind { return name }
        return nil
    }
}

extension Token.Kind {
    /// A short human description for error messages: `'foo'`, `')'`, `end of input`.
    public var display: String {
        switch self {
        case .identifier(let s): return "'\(s)'"
        case .quotedIdentifier(let s): return "'`\(s)`'"
        case .int(let v): return "'\(v)'"
        case .uint(let v): return "'\(v)u'"
        case .double(let v): return "'\(v)'"
        case .string: return "string literal"
        case .bytes: return "bytes literal"
        case .true: return "'true'"
        case .false: return "'false'"
        case .null: return "'null'"
        case .in: return "'in'"
        case .leftParen: return "'('"
        case .rightParen: return "')'"
        case .leftBracket: return "'['"
        case .rightBracket: return "']'"
        case .leftBrace: return "'{'"
        case .rightBrace: return "'}'"
        case .dot: return "'.'"
        case .comma: return "','"
        case .colon: return "':'"
        case .question: return "'?'"
        case .plus: return "'+'"
        case .minus: return "'-'"
        case .star: return "'*'"
        case .slash: return "'/'"
        case .percent: return "'%'"
        case .bang: return "'!'"
        case .equalEqual: return "'=='"
        case .notEqual: return "'!='"
        case .less: return "'<'"
        case .lessEqual: return "'<='"
        case .greater: return "'>'"
        case .greaterEqual: return "'>='"
        case .and: return "'&&'"
        case .or: return "'||'"
        case .assign: return "'='"
        case .invalid: return "invalid character"
        case .end: return "end of input"
        }
    }
}
