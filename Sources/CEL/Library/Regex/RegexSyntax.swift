/// The parsed form of an RE2 pattern.
indirect enum RegexNode: Sendable {
    case empty
    /// One code point; `fold` compares case-insensitively (simple case folding).
    case literal(UInt32, fold: Bool)
    case set(CharSet)
    case assertion(RegexAssertion)
    case concat([RegexNode])
    case alternate([RegexNode])
    /// `max == nil` is unbounded; `greedy` prefers more repetitions (leftmost-first, as RE2).
    case repetition(RegexNode, min: Int, max: Int?, greedy: Bool)
    /// A capturing group, numbered from 1 in the order of its opening parenthesis.
    case capture(RegexNode, index: Int)
}

enum RegexAssertion: Sendable {
    case beginText, endText, beginLine, endLine, wordBoundary, notWordBoundary
}

/// A set of code points: sorted, merged ranges plus Unicode general-category tests.
struct CharSet: Sendable {
    var ranges: [ClosedRange<UInt32>] = []
    /// `\pL`-style tests: a code point is in the set if its category is in `categories`
    /// (or, with `negated`, is not).
    var categoryTests: [(categories: Set<Unicode.GeneralCategory>, negated: Bool)] = []
    var negated = false
    var fold = false

    static let maxScalar: UInt32 = 0x10FFFF

    static func of(_ ranges: [ClosedRange<UInt32>]) -> CharSet {
        var s = CharSet()
        s.ranges = normalized(ranges)
        return s
    }

    static func normalized(_ input: [ClosedRange<UInt32>]) -> [ClosedRange<UInt32>] {
        let sorted = input.sorted { $0.lowerBound < $1.lowerBound }
        var out: [ClosedRange<UInt32>] = []
        for r in sorted {
            if let last = out.last, r.lowerBound <= last.upperBound &+ 1 {
                out[out.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
            } else {
                out.append(r)
            }
        }
        return out
    }

    static func complement(_ ranges: [ClosedRange<UInt32>]) -> [ClosedRange<UInt32>] {
        var out: [ClosedRange<UInt32>] = []
        var next: UInt32 = 0
        for r in normalized(ranges) {
            if r.lowerBound > next { out.append(next...(r.lowerBound - 1)) }
            if r.upperBound >= maxScalar { return out }
            next = r.upperBound + 1
        }
        out.append(next...maxScalar)
        return out
    }

    private func inRanges(_ c: UInt32) -> Bool {
        var lo = 0
        var hi = ranges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ranges[mid].upperBound < c { lo = mid + 1 } else { hi = mid }
        }
        return lo < ranges.count && ranges[lo].lowerBound <= c
    }

    private func containsExactly(_ c: UInt32) -> Bool {
        if inRanges(c) { return true }
        guard !categoryTests.isEmpty, let scalar = Unicode.Scalar(c) else { return false }
        let category = scalar.properties.generalCategory
        return categoryTests.contains { $0.categories.contains(category) != $0.negated }
    }

    func contains(_ c: UInt32) -> Bool {
        var hit = containsExactly(c)
        if !hit, fold {
            let l = CaseFolding.lower(c), u = CaseFolding.upper(c)
            hit = (l != c && containsExactly(l)) || (u != c && containsExactly(u))
        }
        return hit != negated
    }
}

/// Simple (one code point to one code point) case mappings.
enum CaseFolding {
    static func lower(_ c: UInt32) -> UInt32 {
        if c < 0x80 { return c >= 0x41 && c <= 0x5A ? c + 32 : c }
        return single(Unicode.Scalar(c)?.properties.lowercaseMapping) ?? c
    }

    static func upper(_ c: UInt32) -> UInt32 {
        if c < 0x80 { return c >= 0x61 && c <= 0x7A ? c - 32 : c }
        return single(Unicode.Scalar(c)?.properties.uppercaseMapping) ?? c
    }

    /// A canonical representative for case-insensitive comparison.
    static func fold(_ c: UInt32) -> UInt32 {
        let l = lower(c)
        return l != c ? l : lower(upper(c))
    }

    private static func single(_ s: String?) -> UInt32? {
        guard let s else { return nil }
        var it = s.unicodeScalars.makeIterator()
        guard let first = it.next(), it.next() == nil else { return nil }
        return first.value
    }
}

/// A pattern that cannot be compiled, with RE2-like wording.
public struct RegexError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Recursive-descent parser for the RE2 syntax subset described in `README.md`.
struct RegexParser {
    static let maxRepeat = 1000
    static let maxDepth = 200

    private struct Flags {
        var caseInsensitive = false
        var multiLine = false
        var dotAll = false
        var ungreedy = false
    }

    private let s: [Unicode.Scalar]
    private var i = 0
    private var flags = Flags()
    private var depth = 0
    private var groups = 0

    private init(_ pattern: String) { s = Array(pattern.unicodeScalars) }

    /// The parsed pattern and its number of capturing groups.
    static func parse(_ pattern: String) throws(RegexError) -> (node: RegexNode, groups: Int) {
        var p = RegexParser(pattern)
        let node = try p.parseAlternation()
        if p.i < p.s.count {
            // Only an unmatched `)` stops the top-level alternation early.
            throw RegexError("unexpected ): `\(pattern)`")
        }
        return (node, p.groups)
    }

    private var atEnd: Bool { i >= s.count }
    private func peek(_ offset: Int = 0) -> Unicode.Scalar? { i + offset < s.count ? s[i + offset] : nil }

    private mutating func parseAlternation() throws(RegexError) -> RegexNode {
        depth += 1
        defer { depth -= 1 }
        guard depth <= RegexParser.maxDepth else { throw RegexError("expression nests too deeply") }
        var branches = [try parseConcat()]
        while peek() == "|" {
            i += 1
            branches.append(try parseConcat())
        }
        return branches.count == 1 ? branches[0] : .alternate(branches)
    }

    private mutating func parseConcat() throws(RegexError) -> RegexNode {
        var items: [RegexNode] = []
        while let c = peek(), c != "|", c != ")" {
            if c == "(" {
                if let node = try parseGroupOrFlags() { items.append(try parseRepeats(node)) }
                continue
            }
            if c == "\\", peek(1) == "Q" {
                i += 2
                while let q = peek(), !(q == "\\" && peek(1) == "E") {
                    items.append(.literal(q.value, fold: flags.caseInsensitive))
                    i += 1
                }
                if !atEnd { i += 2 }
                continue
            }
            if c == "*" || c == "+" || c == "?" {
                throw RegexError("missing argument to repetition operator: `\(c)`")
            }
            if c == "{", (try? repeatBounds(at: i)) != nil {
                throw RegexError("missing argument to repetition operator: `{`")
            }
            let atom = try parseAtom()
            items.append(try parseRepeats(atom))
        }
        switch items.count {
        case 0: return .empty
        case 1: return items[0]
        default: return .concat(items)
        }
    }

    /// Parses postfix operators after an atom. A second operator is an error, as in RE2
    /// (`a**`), except the lazy marker `?`.
    private mutating func parseRepeats(_ atom: RegexNode) throws(RegexError) -> RegexNode {
        guard let c = peek() else { return atom }
        var node = atom
        switch c {
        case "*": i += 1; node = .repetition(atom, min: 0, max: nil, greedy: true)
        case "+": i += 1; node = .repetition(atom, min: 1, max: nil, greedy: true)
        case "?": i += 1; node = .repetition(atom, min: 0, max: 1, greedy: true)
        case "{":
            guard let (minCount, maxCount, length) = try repeatBounds(at: i) else { return atom }
            i += length
            node = .repetition(atom, min: minCount, max: maxCount, greedy: true)
        default:
            return atom
        }
        var lazy = flags.ungreedy
        if peek() == "?" {
            i += 1
            lazy.toggle()
        }
        if lazy, case .repetition(let inner, let lo, let hi, _) = node {
            node = .repetition(inner, min: lo, max: hi, greedy: false)
        }
        if let n = peek(), n == "*" || n == "+" || n == "?" || (n == "{" && (try? repeatBounds(at: i)) != nil) {
            throw RegexError("invalid nested repetition operator")
        }
        return node
    }

    /// `{n}`, `{n,}` or `{n,m}` at `start`: nil if the text there is not a repeat (then
    /// `{` is a literal, as in RE2); an error if the counts are out of range.
    private func repeatBounds(at start: Int) throws(RegexError) -> (Int, Int?, Int)? {
        var j = start + 1
        func number() -> Int? {
            var v = 0
            var any = false
            while j < s.count, let d = digit(s[j]) {
                v = min(v * 10 + d, 100_000)
                any = true
                j += 1
            }
            return any ? v : nil
        }
        guard let lo = number() else { return nil }
        var hi: Int? = lo
        if j < s.count, s[j] == "," {
            j += 1
            hi = number()
        }
        guard j < s.count, s[j] == "}" else { return nil }
        if lo > RegexParser.maxRepeat || (hi ?? 0) > RegexParser.maxRepeat || (hi.map { $0 < lo } ?? false) {
            throw RegexError("invalid repeat count")
        }
        return (lo, hi, j - start + 1)
    }

    private func digit(_ c: Unicode.Scalar) -> Int? {
        c.value >= 0x30 && c.value <= 0x39 ? Int(c.value - 0x30) : nil
    }

    /// `(...)`, `(?:...)`, `(?P<name>...)`, `(?<name>...)`, `(?flags)`, `(?flags:...)`.
    /// Returns nil for a bare flag group, which only changes the flags.
    private mutating func parseGroupOrFlags() throws(RegexError) -> RegexNode? {
        i += 1
        let saved = flags
        if peek() == "?" {
            i += 1
            if peek() == "P" || peek() == "<" {
                if peek() == "P" { i += 1 }
                if peek() == "=" || peek() == "!" { throw RegexError("lookbehind is not supported") }
                guard peek() == "<" else { throw RegexError("invalid named capture") }
                i += 1
                var nameLength = 0
                while let c = peek(), c != ">" {
                    guard c == "_" || c.properties.isAlphabetic || digit(c) != nil else {
                        throw RegexError("invalid named capture")
                    }
                    nameLength += 1
                    i += 1
                }
                guard peek() == ">", nameLength > 0 else { throw RegexError("invalid named capture") }
                i += 1
                return try captureBody(restoring: saved)
            }
            if peek() == "=" || peek() == "!" { throw RegexError("lookahead is not supported") }
            var negate = false
            var sawFlag = false
            while let c = peek() {
                switch c {
                case "i": flags.caseInsensitive = !negate
                case "m": flags.multiLine = !negate
                case "s": flags.dotAll = !negate
                case "U": flags.ungreedy = !negate
                case "-":
                    guard !negate else { throw RegexError("invalid or unsupported Perl syntax") }
                    negate = true
                    sawFlag = false
                    i += 1
                    continue
                case ":":
                    guard !negate || sawFlag else { throw RegexError("invalid or unsupported Perl syntax") }
                    i += 1
                    return try groupBody(restoring: saved)
                case ")":
                    guard sawFlag else { throw RegexError("invalid or unsupported Perl syntax") }
                    i += 1
                    return nil  // flags stay in effect until the end of the enclosing group
                default:
                    throw RegexError("invalid or unsupported Perl syntax: `(?\(c)`")
                }
                sawFlag = true
                i += 1
            }
            throw RegexError("missing closing )")
        }
        return try captureBody(restoring: saved)
    }

    /// A capturing group's body: its number is taken before the body's own groups.
    private mutating func captureBody(restoring saved: Flags) throws(RegexError) -> RegexNode {
        groups += 1
        let index = groups
        return .capture(try groupBody(restoring: saved), index: index)
    }

    private mutating func groupBody(restoring saved: Flags) throws(RegexError) -> RegexNode {
        let body = try parseAlternation()
        guard peek() == ")" else { throw RegexError("missing closing )") }
        i += 1
        flags = saved
        return body
    }

    private mutating func parseAtom() throws(RegexError) -> RegexNode {
        guard let c = peek() else { throw RegexError("unexpected end of pattern") }
        i += 1
        switch c {
        case ".":
            var set = CharSet()
            set.negated = true
            if !flags.dotAll { set.ranges = [0x0A...0x0A] }
            return .set(set)
        case "^": return .assertion(flags.multiLine ? .beginLine : .beginText)
        case "$": return .assertion(flags.multiLine ? .endLine : .endText)
        case "[": return .set(try parseClass())
        case "\\": return try parseEscape()
        default: return .literal(c.value, fold: flags.caseInsensitive && hasCase(c.value))
        }
    }

    private func hasCase(_ c: UInt32) -> Bool {
        CaseFolding.lower(c) != c || CaseFolding.upper(c) != c
    }

    private mutating func parseEscape() throws(RegexError) -> RegexNode {
        guard let c = peek() else { throw RegexError("trailing backslash at end of expression") }
        switch c {
        case "A": i += 1; return .assertion(.beginText)
        case "z": i += 1; return .assertion(.endText)
        case "b": i += 1; return .assertion(.wordBoundary)
        case "B": i += 1; return .assertion(.notWordBoundary)
        case "d", "D", "w", "W", "s", "S":
            i += 1
            var set = CharSet.of(RegexParser.perlClass(c))
            set.negated = c.properties.isUppercase
            return .set(set)
        case "p", "P":
            var set = CharSet()
            try parseUnicodeClass(into: &set)
            set.fold = flags.caseInsensitive
            return .set(set)
        default:
            let v = try parseEscapedScalar()
            return .literal(v, fold: flags.caseInsensitive && hasCase(v))
        }
    }

    /// `\d \w \s` ranges (ASCII-only, as in RE2).
    static func perlClass(_ c: Unicode.Scalar) -> [ClosedRange<UInt32>] {
        switch c {
        case "d", "D": return [0x30...0x39]
        case "w", "W": return [0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A]
        default: return [0x09...0x0A, 0x0C...0x0D, 0x20...0x20]
        }
    }

    /// A single escaped code point (after the backslash): `\n`, `\x41`, `\x{263a}`, `\101`, `\.`.
    private mutating func parseEscapedScalar() throws(RegexError) -> UInt32 {
        guard let c = peek() else { throw RegexError("trailing backslash at end of expression") }
        i += 1
        switch c {
        case "a": return 0x07
        case "f": return 0x0C
        case "t": return 0x09
        case "n": return 0x0A
        case "r": return 0x0D
        case "v": return 0x0B
        case "x":
            if peek() == "{" {
                i += 1
                var v: UInt32 = 0
                var count = 0
                while let h = peek(), let d = hexDigit(h) {
                    v = v * 16 + d
                    count += 1
                    i += 1
                    guard v <= CharSet.maxScalar else { throw RegexError("invalid escape sequence: \\x{...} out of range") }
                }
                guard peek() == "}", count > 0 else { throw RegexError("invalid escape sequence: \\x{") }
                i += 1
                return v
            }
            guard let h1 = peek().flatMap(hexDigit), let h2 = peek(1).flatMap(hexDigit) else {
                throw RegexError("invalid escape sequence: \\x")
            }
            i += 2
            return h1 * 16 + h2
        case "0"..."7":
            // RE2 reads octal only after \0 or when more octal digits follow; a lone \1-\7
            // would be a backreference, which RE2 does not support.
            if c != "0", !(peek().map { $0 >= "0" && $0 <= "7" } ?? false) {
                throw RegexError("invalid escape sequence: backreferences are not supported")
            }
            var v = c.value - 0x30
            var count = 1
            while count < 3, let d = peek(), d >= "0", d <= "7" {
                v = v * 8 + (d.value - 0x30)
                count += 1
                i += 1
            }
            return v
        default:
            if c.value < 0x80, !(c.properties.isAlphabetic || digit(c) != nil || c == "_") {
                return c.value  // escaped punctuation
            }
            throw RegexError("invalid escape sequence: \\\(c)")
        }
    }

    private func hexDigit(_ c: Unicode.Scalar) -> UInt32? {
        switch c.value {
        case 0x30...0x39: return c.value - 0x30
        case 0x41...0x46: return c.value - 0x41 + 10
        case 0x61...0x66: return c.value - 0x61 + 10
        default: return nil
        }
    }

    /// `\pL`, `\p{Lu}`, `\p{^L}`, `\PL` (at the `p`/`P`): general categories and `Any`.
    private mutating func parseUnicodeClass(into set: inout CharSet) throws(RegexError) {
        guard let p = peek() else { throw RegexError("invalid character class range") }
        var negated = p == "P"
        i += 1
        var name = ""
        if peek() == "{" {
            i += 1
            if peek() == "^" { negated.toggle(); i += 1 }
            while let c = peek(), c != "}" { name.unicodeScalars.append(c); i += 1 }
            guard peek() == "}" else { throw RegexError("invalid character class range: missing }") }
            i += 1
        } else if let c = peek() {
            name.unicodeScalars.append(c)
            i += 1
        }
        if name == "Any" {
            set.categoryTests.append((Set(RegexParser.allCategories), negated))
            return
        }
        guard let cats = RegexParser.categories(named: name) else {
            throw RegexError("invalid character class range: unsupported Unicode class \\p{\(name)}")
        }
        set.categoryTests.append((cats, negated))
    }

    private static let allCategories: [Unicode.GeneralCategory] = [
        .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
        .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber,
        .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
        .initialPunctuation, .finalPunctuation, .otherPunctuation, .mathSymbol, .currencySymbol,
        .modifierSymbol, .otherSymbol, .spaceSeparator, .lineSeparator, .paragraphSeparator,
        .control, .format, .surrogate, .privateUse, .unassigned,
    ]

    private static func categories(named name: String) -> Set<Unicode.GeneralCategory>? {
        let table: [String: [Unicode.GeneralCategory]] = [
            "L": [.uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter],
            "Lu": [.uppercaseLetter], "Ll": [.lowercaseLetter], "Lt": [.titlecaseLetter],
            "Lm": [.modifierLetter], "Lo": [.otherLetter],
            "M": [.nonspacingMark, .spacingMark, .enclosingMark],
            "Mn": [.nonspacingMark], "Mc": [.spacingMark], "Me": [.enclosingMark],
            "N": [.decimalNumber, .letterNumber, .otherNumber],
            "Nd": [.decimalNumber], "Nl": [.letterNumber], "No": [.otherNumber],
            "P": [.connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
                  .initialPunctuation, .finalPunctuation, .otherPunctuation],
            "Pc": [.connectorPunctuation], "Pd": [.dashPunctuation], "Ps": [.openPunctuation],
            "Pe": [.closePunctuation], "Pi": [.initialPunctuation], "Pf": [.finalPunctuation],
            "Po": [.otherPunctuation],
            "S": [.mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol],
            "Sm": [.mathSymbol], "Sc": [.currencySymbol], "Sk": [.modifierSymbol], "So": [.otherSymbol],
            "Z": [.spaceSeparator, .lineSeparator, .paragraphSeparator],
            "Zs": [.spaceSeparator], "Zl": [.lineSeparator], "Zp": [.paragraphSeparator],
            "C": [.control, .format, .surrogate, .privateUse, .unassigned],
            "Cc": [.control], "Cf": [.format], "Cs": [.surrogate], "Co": [.privateUse], "Cn": [.unassigned],
        ]
        return table[name].map(Set.init)
    }

    /// `[...]` after the `[`.
    private mutating func parseClass() throws(RegexError) -> CharSet {
        var set = CharSet()
        var ranges: [ClosedRange<UInt32>] = []
        if peek() == "^" { set.negated = true; i += 1 }
        var first = true
        while true {
            guard let c = peek() else { throw RegexError("missing closing ]") }
            if c == "]", !first { i += 1; break }
            first = false
            if c == "[", peek(1) == ":" {
                if let posix = try parsePosixClass() { ranges += posix; continue }
            }
            if c == "\\", let e = peek(1) {
                switch e {
                case "d", "D", "w", "W", "s", "S":
                    i += 2
                    let base = RegexParser.perlClass(e)
                    ranges += e.properties.isUppercase ? CharSet.complement(base) : base
                    continue
                case "p", "P":
                    i += 1
                    try parseUnicodeClass(into: &set)
                    continue
                default: break
                }
            }
            let lo = try classScalar()
            if peek() == "-", let after = peek(1), after != "]" {
                i += 1
                let hi = try classScalar()
                guard lo <= hi else { throw RegexError("invalid character class range") }
                ranges.append(lo...hi)
            } else {
                ranges.append(lo...lo)
            }
        }
        set.ranges = CharSet.normalized(ranges)
        set.fold = flags.caseInsensitive
        return set
    }

    private mutating func classScalar() throws(RegexError) -> UInt32 {
        guard let c = peek() else { throw RegexError("missing closing ]") }
        i += 1
        if c == "\\" { return try parseEscapedScalar() }
        return c.value
    }

    /// `[:alpha:]` or `[:^alpha:]` at the `[`; nil (consuming nothing) if it is not one.
    private mutating func parsePosixClass() throws(RegexError) -> [ClosedRange<UInt32>]? {
        var j = i + 2
        var negated = false
        if j < s.count, s[j] == "^" { negated = true; j += 1 }
        var name = ""
        while j < s.count, s[j] != ":" { name.unicodeScalars.append(s[j]); j += 1 }
        guard j + 1 < s.count, s[j] == ":", s[j + 1] == "]" else { return nil }
        let table: [String: [ClosedRange<UInt32>]] = [
            "alnum": [0x30...0x39, 0x41...0x5A, 0x61...0x7A],
            "alpha": [0x41...0x5A, 0x61...0x7A],
            "ascii": [0x00...0x7F],
            "blank": [0x09...0x09, 0x20...0x20],
            "cntrl": [0x00...0x1F, 0x7F...0x7F],
            "digit": [0x30...0x39],
            "graph": [0x21...0x7E],
            "lower": [0x61...0x7A],
            "print": [0x20...0x7E],
            "punct": [0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E],
            "space": [0x09...0x0D, 0x20...0x20],
            "upper": [0x41...0x5A],
            "word": [0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A],
            "xdigit": [0x30...0x39, 0x41...0x46, 0x61...0x66],
        ]
        guard let ranges = table[name] else { throw RegexError("invalid character class range: [:\(name):]") }
        i = j + 2
        return negated ? CharSet.complement(ranges) : ranges
    }
}
