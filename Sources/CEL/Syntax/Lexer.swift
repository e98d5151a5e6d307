/// Splits CEL source into tokens, on demand, over the source's UTF-8 bytes.
///
/// Whitespace (space, tab, CR, LF, form feed), `//` comments and a leading byte-order
/// mark are skipped. The lexer never fails: a lexical error is attached to the token as
/// its `problem`, and the parser reports it when (and only if) it consumes the token.
/// Any Unicode is accepted inside strings and comments; elsewhere a non-ASCII character
/// is an invalid token.
public struct Lexer: Sendable {
    private let bytes: [UInt8]
    /// The byte offset of the next unread byte.
    public private(set) var position: Int
    private var sawNewline: Bool

    /// Starts lexing `source` at byte `offset`.
    public init(source: Source, offset: Int = 0) {
        self.bytes = source.utf8
        self.position = max(0, min(offset, source.utf8.count))
        self.sawNewline = true
        if position > 0 {
            // A token is "first on its line" if only whitespace precedes it on the line.
            var i = position - 1
            while i >= 0 {
                let b = bytes[i]
                if b == UInt8(ascii: "\n") { break }
                if b != UInt8(ascii: " ") && b != UInt8(ascii: "\t") && b != UInt8(ascii: "\r") && b != 0x0C {
                    sawNewline = false
                    break
                }
                i -= 1
            }
        }
    }

    /// Reads the next token; at the end of the source returns `.end` tokens forever.
    public mutating func next() -> Token {
        skipTrivia()
        let start = position
        let first = sawNewline
        sawNewline = false
        guard start < bytes.count else {
            return Token(kind: .end, offset: start, end: start, isFirstOnLine: first)
        }
        var token = lexToken(start)
        token.isFirstOnLine = first
        return token
    }

    // MARK: - Trivia

    private mutating func skipTrivia() {
        // A byte-order mark at the very start (editors on some systems add one).
        if position == 0, bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            position = 3
        }
        while position < bytes.count {
            let b = bytes[position]
            switch b {
            case UInt8(ascii: "\n"):
                sawNewline = true
                position += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), 0x0C:
                position += 1
            case UInt8(ascii: "/") where peek(1) == UInt8(ascii: "/"):
                while position < bytes.count && bytes[position] != UInt8(ascii: "\n") { position += 1 }
            default:
                return
            }
        }
    }

    private func peek(_ ahead: Int) -> UInt8? {
        let i = position + ahead
        return i < bytes.count ? bytes[i] : nil
    }

    // MARK: - Tokens

    private mutating func lexToken(_ start: Int) -> Token {
        let b = bytes[start]
        func simple(_ kind: Token.Kind, _ length: Int) -> Token {
            position = start + length
            return Token(kind: kind, offset: start, end: position, isFirstOnLine: false)
        }
        switch b {
        case UInt8(ascii: "("): return simple(.leftParen, 1)
        case UInt8(ascii: ")"): return simple(.rightParen, 1)
        case UInt8(ascii: "["): return simple(.leftBracket, 1)
        case UInt8(ascii: "]"): return simple(.rightBracket, 1)
        case UInt8(ascii: "{"): return simple(.leftBrace, 1)
        case UInt8(ascii: "}"): return simple(.rightBrace, 1)
        case UInt8(ascii: ","): return simple(.comma, 1)
        case UInt8(ascii: ":"): return simple(.colon, 1)
        case UInt8(ascii: "?"): return simple(.question, 1)
        case UInt8(ascii: "+"): return simple(.plus, 1)
        case UInt8(ascii: "-"): return simple(.minus, 1)
        case UInt8(ascii: "*"): return simple(.star, 1)
        case UInt8(ascii: "/"): return simple(.slash, 1)
        case UInt8(ascii: "%"): return simple(.percent, 1)
        case UInt8(ascii: "!"): return peek(1) == UInt8(ascii: "=") ? simple(.notEqual, 2) : simple(.bang, 1)
        case UInt8(ascii: "="): return peek(1) == UInt8(ascii: "=") ? simple(.equalEqual, 2) : simple(.assign, 1)
        case UInt8(ascii: "<"): return peek(1) == UInt8(ascii: "=") ? simple(.lessEqual, 2) : simple(.less, 1)
        case UInt8(ascii: ">"): return peek(1) == UInt8(ascii: "=") ? simple(.greaterEqual, 2) : simple(.greater, 1)
        case UInt8(ascii: "&") where peek(1) == UInt8(ascii: "&"): return simple(.and, 2)
        case UInt8(ascii: "|") where peek(1) == UInt8(ascii: "|"): return simple(.or, 2)
        case UInt8(ascii: "."):
            if let d = peek(1), isDigit(d) { return lexNumber(start) }
            return simple(.dot, 1)
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            return lexNumber(start)
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            return lexString(start, quoteAt: start, raw: false, isBytes: false)
        case UInt8(ascii: "`"):
            return lexQuotedIdentifier(start)
        default:
            if isIdentStart(b) { return lexIdentifierOrPrefixedString(start) }
            return lexInvalid(start)
        }
    }

    private mutating func lexInvalid(_ start: Int) -> Token {
        // Consume one whole Unicode scalar so that messages show the real character.
        var end = start + 1
        while end < bytes.count && bytes[end] & 0xC0 == 0x80 { end += 1 }
        position = end
        let text = String(decoding: bytes[start..<end], as: UTF8.self)
        var message = "unexpected character '\(text.debugDescriptionContent)'"
        if text == "&" { message += " (did you mean '&&'?)" }
        if text == "|" { message += " (did you mean '||'?)" }
        return Token(kind: .invalid, offset: start, end: end, isFirstOnLine: false,
                     problem: .init(code: CELErrorCode.unexpectedCharacter, message: message, offset: start))
    }

    private mutating func lexIdentifierOrPrefixedString(_ start: Int) -> Token {
        var end = start
        while end < bytes.count && isIdentPart(bytes[end]) { end += 1 }
        let length = end - start
        // String prefixes: r, b, br (any case), immediately followed by a quote.
        if length <= 2, end < bytes.count, bytes[end] == UInt8(ascii: "\"") || bytes[end] == UInt8(ascii: "'") {
            let p0 = bytes[start] | 0x20
            if length == 1 && p0 == UInt8(ascii: "r") {
                return lexString(start, quoteAt: end, raw: true, isBytes: false)
            }
            if length == 1 && p0 == UInt8(ascii: "b") {
                return lexString(start, quoteAt: end, raw: false, isBytes: true)
            }
            if length == 2 && p0 == UInt8(ascii: "b") && bytes[start + 1] | 0x20 == UInt8(ascii: "r") {
                return lexString(start, quoteAt: end, raw: true, isBytes: true)
            }
        }
        position = end
        let text = String(decoding: bytes[start..<end], as: UTF8.self)
        let kind: Token.Kind
        switch text {
        case "true": kind = .true
        case "false": kind = .false
        case "null": kind = .null
        case "in": kind = .in
        default: kind = .identifier(text)
        }
        return Token(kind: kind, offset: start, end: end, isFirstOnLine: false)
    }

    private mutating func lexQuotedIdentifier(_ start: Int) -> Token {
        var i = start + 1
        var problem: Token.Problem?
        while i < bytes.count && bytes[i] != UInt8(ascii: "`") && bytes[i] != UInt8(ascii: "\n") {
            let c = bytes[i]
            let ok = isIdentPart(c) || c == UInt8(ascii: ".") || c == UInt8(ascii: "-")
                || c == UInt8(ascii: "/") || c == UInt8(ascii: " ")
            if !ok && problem == nil {
                problem = .init(code: CELErrorCode.unexpectedCharacter,
                                message: "a backquoted name may contain only letters, digits, '_', '.', '-', '/' and spaces",
                                offset: i)
            }
            i += 1
        }
        guard i < bytes.count, bytes[i] == UInt8(ascii: "`") else {
            position = i
            return Token(kind: .invalid, offset: start, end: i, isFirstOnLine: false,
                         problem: .init(code: CELErrorCode.unexpectedCharacter,
                                        message: "unterminated backquoted name", offset: start))
        }
        position = i + 1
        let name = String(decoding: bytes[(start + 1)..<i], as: UTF8.self)
        if name.isEmpty && problem == nil {
            problem = .init(code: CELErrorCode.unexpectedCharacter, message: "empty backquoted name", offset: start)
        }
        return Token(kind: .quotedIdentifier(name), offset: start, end: position, isFirstOnLine: false, problem: problem)
    }

    // MARK: - Numbers

    private mutating func lexNumber(_ start: Int) -> Token {
        var i = start
        func digits(from j: Int, hex: Bool = false) -> Int {
            var k = j
            while k < bytes.count && (hex ? isHexDigit(bytes[k]) : isDigit(bytes[k])) { k += 1 }
            return k
        }
        // Hexadecimal integers: 0x1F, 0x1Fu.
        if bytes[i] == UInt8(ascii: "0"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "x") {
            let hexStart = i + 2
            let hexEnd = digits(from: hexStart, hex: true)
            if hexEnd > hexStart {
                var value: UInt64 = 0
                var overflow = false
                for k in hexStart..<hexEnd {
                    let (m, o1) = value.multipliedReportingOverflow(by: 16)
                    let (s, o2) = m.addingReportingOverflow(UInt64(hexValue(bytes[k])))
                    overflow = overflow || o1 || o2
                    value = s
                }
                return finishInteger(start: start, end: hexEnd, value: value, overflow: overflow)
            }
        }
        var isFloat = false
        if bytes[i] != UInt8(ascii: ".") { i = digits(from: i) }
        if i < bytes.count, bytes[i] == UInt8(ascii: "."), i + 1 < bytes.count, isDigit(bytes[i + 1]) {
            isFloat = true
            i = digits(from: i + 1)
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            var j = i + 1
            if j < bytes.count, bytes[j] == UInt8(ascii: "+") || bytes[j] == UInt8(ascii: "-") { j += 1 }
            let expEnd = digits(from: j)
            if expEnd > j {
                isFloat = true
                i = expEnd
            }
        }
        if isFloat {
            position = i
            let text = String(decoding: bytes[start..<i], as: UTF8.self)
            let value = Double(text) ?? .nan
            var problem: Token.Problem?
            if !value.isFinite {
                problem = .init(code: CELErrorCode.invalidNumber, message: "double literal out of range: \(text)", offset: start)
            }
            return Token(kind: .double(value.isFinite ? value : 0), offset: start, end: i, isFirstOnLine: false, problem: problem)
        }
        var value: UInt64 = 0
        var overflow = false
        for k in start..<i {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(bytes[k] - UInt8(ascii: "0")))
            overflow = overflow || o1 || o2
            value = s
        }
        return finishInteger(start: start, end: i, value: value, overflow: overflow)
    }

    private mutating func finishInteger(start: Int, end: Int, value: UInt64, overflow: Bool) -> Token {
        var end = end
        let isUnsigned = end < bytes.count && (bytes[end] == UInt8(ascii: "u") || bytes[end] == UInt8(ascii: "U"))
        if isUnsigned { end += 1 }
        position = end
        var problem: Token.Problem?
        if overflow {
            let text = String(decoding: bytes[start..<end], as: UTF8.self)
            problem = .init(code: CELErrorCode.invalidNumber,
                            message: "integer literal out of range: \(text)", offset: start)
        }
        return Token(kind: isUnsigned ? .uint(value) : .int(value), offset: start, end: end,
                     isFirstOnLine: false, problem: problem)
    }

    // MARK: - Strings

    /// Lexes a (possibly raw, possibly bytes) string literal whose opening quote is at
    /// `quoteAt`; `start` is where its prefix starts.
    private mutating func lexString(_ start: Int, quoteAt: Int, raw: Bool, isBytes: Bool) -> Token {
        let quote = bytes[quoteAt]
        let triple = quoteAt + 2 < bytes.count && bytes[quoteAt + 1] == quote && bytes[quoteAt + 2] == quote
        var i = quoteAt + (triple ? 3 : 1)
        var out: [UInt8] = []
        var problem: Token.Problem?
        func fail(_ code: String, _ message: String, _ at: Int) {
            if problem == nil { problem = .init(code: code, message: message, offset: at) }
        }
        var closed = false
        while i < bytes.count {
            let c = bytes[i]
            if c == quote {
                if !triple {
                    i += 1
                    closed = true
                    break
                }
                if i + 2 < bytes.count && bytes[i + 1] == quote && bytes[i + 2] == quote {
                    i += 3
                    closed = true
                    break
                }
                out.append(c)
                i += 1
                continue
            }
            if c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r") {
                if !triple { break }
                // Newlines inside literals are normalised to LF, as in cel-go.
                out.append(UInt8(ascii: "\n"))
                i += (c == UInt8(ascii: "\r") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\n")) ? 2 : 1
                continue
            }
            if c == UInt8(ascii: "\\") && !raw {
                i = lexEscape(at: i, isBytes: isBytes, into: &out, fail: fail)
                continue
            }
            out.append(c)
            i += 1
        }
        if !closed {
            fail(CELErrorCode.unterminatedString,
                 triple ? "unterminated triple-quoted string literal" : "unterminated string literal (strings may not span lines unless triple-quoted)",
                 start)
        }
        position = i
        let kind: Token.Kind = isBytes ? .bytes(out) : .string(String(decoding: out, as: UTF8.self))
        return Token(kind: kind, offset: start, end: i, isFirstOnLine: false, problem: problem)
    }

    /// Decodes one escape sequence starting at the backslash at `at`; returns the offset
    /// after it. Strings get Unicode scalars (`\xFF` is U+00FF); bytes get raw bytes.
    private func lexEscape(at: Int, isBytes: Bool, into out: inout [UInt8],
                           fail: (String, String, Int) -> Void) -> Int {
        guard at + 1 < bytes.count else {
            fail(CELErrorCode.invalidEscape, "a literal cannot end with a lone '\\'", at)
            return at + 1
        }
        let c = bytes[at + 1]
        func simple(_ v: UInt8) -> Int {
            out.append(v)
            return at + 2
        }
        switch c {
        case UInt8(ascii: "a"): return simple(0x07)
        case UInt8(ascii: "b"): return simple(0x08)
        case UInt8(ascii: "f"): return simple(0x0C)
        case UInt8(ascii: "n"): return simple(0x0A)
        case UInt8(ascii: "r"): return simple(0x0D)
        case UInt8(ascii: "t"): return simple(0x09)
        case UInt8(ascii: "v"): return simple(0x0B)
        case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"), UInt8(ascii: "?"):
            return simple(c)
        case UInt8(ascii: "x"), UInt8(ascii: "X"), UInt8(ascii: "u"), UInt8(ascii: "U"):
            let count = (c == UInt8(ascii: "u")) ? 4 : (c == UInt8(ascii: "U") ? 8 : 2)
            let isUnicode = count > 2
            var value: UInt32 = 0
            var j = at + 2
            while j < at + 2 + count {
                guard j < bytes.count, isHexDigit(bytes[j]) else {
                    fail(CELErrorCode.invalidEscape,
                         "'\\\(Character(Unicode.Scalar(c)))' must be followed by \(count) hexadecimal digits", at)
                    return j
                }
                value = value << 4 | UInt32(hexValue(bytes[j]))
                j += 1
            }
            if isUnicode && isBytes {
                fail(CELErrorCode.invalidEscape, "Unicode escapes are not allowed in bytes literals", at)
                return j
            }
            if isBytes {
                out.append(UInt8(truncatingIfNeeded: value))
                return j
            }
            guard let scalar = Unicode.Scalar(value) else {
                fail(CELErrorCode.invalidEscape,
                     (0xD800...0xDFFF).contains(value)
                        ? "invalid Unicode escape: surrogate code points are not characters"
                        : "invalid Unicode escape: beyond U+10FFFF", at)
                return j
            }
            UTF8.encode(scalar) { out.append($0) }
            return j
        case UInt8(ascii: "0")...UInt8(ascii: "3"):
            var value = UInt32(c - UInt8(ascii: "0"))
            for k in 0..<2 {
                let j = at + 2 + k
                guard j < bytes.count, bytes[j] >= UInt8(ascii: "0"), bytes[j] <= UInt8(ascii: "7") else {
                    fail(CELErrorCode.invalidEscape, "an octal escape needs three octal digits (\\000 to \\377)", at)
                    return j
                }
                value = value * 8 + UInt32(bytes[j] - UInt8(ascii: "0"))
            }
            if isBytes {
                out.append(UInt8(truncatingIfNeeded: value))
            } else if let scalar = Unicode.Scalar(value) {
                UTF8.encode(scalar) { out.append($0) }
            }
            return at + 4
        case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
            fail(CELErrorCode.invalidEscape, "a '\\' cannot end a line inside a string literal", at)
            return at + 1
        default:
            var end = at + 2
            while end < bytes.count && bytes[end] & 0xC0 == 0x80 { end += 1 }
            let text = String(decoding: bytes[(at + 1)..<min(end, bytes.count)], as: UTF8.self)
            fail(CELErrorCode.invalidEscape, "invalid escape sequence '\\\(text.debugDescriptionContent)'", at)
            return end
        }
    }
}

// MARK: - Character classes

@inline(__always) func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
@inline(__always) func isHexDigit(_ b: UInt8) -> Bool {
    isDigit(b) || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "f")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "F"))
}
@inline(__always) func hexValue(_ b: UInt8) -> UInt8 {
    if isDigit(b) { return b - UInt8(ascii: "0") }
    return (b | 0x20) - UInt8(ascii: "a") + 10
}
@inline(__always) func isIdentStart(_ b: UInt8) -> Bool {
    (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z")) || b == UInt8(ascii: "_")
}
@inline(__always) func isIdentPart(_ b: UInt8) -> Bool { isIdentStart(b) || isDigit(b) }

extension String {
    /// The text with control characters escaped, for quoting inside messages.
    var debugDescriptionContent: String {
        var result = ""
        for scalar in unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                result += scalar.escaped(asASCII: true)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
