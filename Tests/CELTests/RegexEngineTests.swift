import Foundation
import Testing
@testable import CEL

@Suite("RegexEngine")
struct RegexEngineTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let pattern: String
        let input: String
        let expected: Bool
        init(_ pattern: String, _ input: String, _ expected: Bool) {
            self.pattern = pattern
            self.input = input
            self.expected = expected
        }
        var testDescription: String { "/\(pattern)/ ~ \"\(input)\" → \(expected)" }
    }

    static let cases: [Case] = [
        // Literals and unanchored search.
        Case("abc", "xxabcxx", true), Case("abc", "ab", false), Case("", "", true), Case("", "x", true),
        Case("hello", "hello world", true),
        // Dot, with and without (?s).
        Case("a.c", "abc", true), Case("a.c", "a\nc", false), Case("(?s)a.c", "a\nc", true),
        Case("a.c", "a😀c", true),
        // Anchors: $ only at the very end without (?m), as in RE2.
        Case("^abc$", "abc", true), Case("^abc$", "xabc", false), Case("^abc$", "abc\n", false),
        Case("(?m)^b$", "a\nb\nc", true), Case("^b", "a\nb", false), Case("\\Aab\\z", "ab", true),
        Case("a$", "ba", true), Case("^$", "", true), Case("^", "anything", true),
        // Classes.
        Case("[abc]+$", "xxcab", true), Case("^[a-c]+$", "abcd", false), Case("[^a-c]", "abc", false),
        Case("[^a-c]", "abcd", true), Case("^[]a]+$", "a]a", true), Case("^[a-]+$", "a-", true),
        Case("^[\\d]+$", "0123", true), Case("^[\\D]+$", "ab", true), Case("^[\\D]+$", "a1", false),
        Case("^[[:alpha:]]+$", "abcXYZ", true), Case("^[[:^digit:]]+$", "ab1", false),
        Case("^[\\w.-]+@[\\w.-]+$", "jane.doe@example.com", true),
        // Perl classes.
        Case("^\\d{3}-\\d{4}$", "555-1234", true), Case("^\\d{3}-\\d{4}$", "555-12345", false),
        Case("\\s", "a b", true), Case("^\\S+$", "a b", false), Case("^\\W$", "!", true),
        Case("\\w", "!!", false),
        // Word boundaries (ASCII).
        Case("\\bfoo\\b", "a foo b", true), Case("\\bfoo\\b", "afoob", false), Case("\\Bo\\B", "foo b", true),
        // Groups and alternation.
        Case("^(ab|cd)+$", "abcdab", true), Case("^(ab|cd)+$", "abc", false), Case("^(?:a|b|)$", "", true),
        Case("^(?P<year>\\d{4})-(?<m>\\d\\d)$", "2024-05", true), Case("a|", "zzz", true),
        // Repetition, lazy forms, counted forms.
        Case("^a*$", "", true), Case("^a+$", "", false), Case("^a?b$", "b", true), Case("^a{2}$", "aa", true),
        Case("^a{2}$", "aaa", false), Case("^a{2,}$", "aaaa", true), Case("^a{2,3}$", "aaaa", false),
        Case("^a{0,2}$", "", true), Case("^a*?b+?$", "aabb", true), Case("^a{2,3}?$", "aaa", true),
        Case("a{,2}", "a{,2}", true), Case("x{", "x{", true),
        // Case-insensitive.
        Case("(?i)hello", "HeLLo", true), Case("(?i)[a-c]+$", "ABC", true), Case("(?i)[^a]", "A", false),
        Case("(?i:ab)c", "ABc", true), Case("(?i:ab)c", "ABC", false), Case("(?i)straße", "STRAßE", true),
        Case("(?i)σ", "Σ", true), Case("(?i)σ", "ς", true), Case("(?i)s", "ſ", true), Case("(?i)k", "\u{212A}", true),
        Case("(?i)[k]", "\u{212A}", true), Case("(?i)ǅ", "ǆ", true), Case("a(?i)b", "aB", true), Case("(a(?i)b)c", "aBC", false),
        // Escapes.
        Case("\\.", "a.b", true), Case("\\.", "ab", false), Case("\\x41", "A", true), Case("\\x{1F600}", "😀", true),
        Case("\\101", "A", true), Case("\\0", "\0", true), Case("\\t", "\t", true), Case("a\\Q.*\\Eb", "a.*b", true),
        Case("a\\Q.*\\Eb", "axxb", false), Case("\\$\\d+", "cost $15", true),
        // Unicode classes.
        Case("^\\pL+$", "héllo", true), Case("^\\p{Lu}", "Émile", true), Case("^\\p{Lu}", "émile", false),
        Case("^\\PL+$", "123", true), Case("^[\\p{N}]+$", "١٢٣", true), Case("\\p{^L}", "abc", false),
        Case("^\\p{Any}+$", "any😀thing", true),
        // Unicode code points are single characters.
        Case("^.$", "é", true), Case("^..$", "e\u{301}", true), Case("^ü$", "ü", true),
        // Nested and empty loops terminate.
        Case("(a*)*b", "aaab", true), Case("(a*)*$", "aaa", true), Case("(a|a)*c", "aaaa", false),
        Case("(|a)*b", "ab", true), Case("(a?)*?$", "aa", true),
    ]

    @Test(arguments: cases)
    func matches(_ c: Case) throws {
        let re = try RegexEngine.compile(c.pattern)
        #expect(re.matches(c.input) == c.expected)
    }

    static let invalid: [String] = [
        "(", ")", "a)", "[a", "[z-a]", "*a", "a**", "a++", "+", "?", "{2}", "a{1001}", "a{3,2}", "\\",
        "\\1", "(a)\\1", "(?=a)", "(?!a)", "(?<=a)", "(?<!a)", "\\p{Greek}", "\\pX", "[[:foo:]]", "(?z)",
        "\\x{110000}", "\\xZZ", "\\q", "(?P<>a)", "(?", "\\C", "\\Z",
    ]

    @Test(arguments: invalid)
    func rejects(_ pattern: String) {
        #expect(throws: RegexError.self) { try RegexEngine.compileUncached(pattern) }
    }

    @Test func pathologicalPatternsRunInLinearTime() throws {
        let long = String(repeating: "a", count: 20_000)
        #expect(try RegexEngine.compile("(a*)*b").matches(long) == false)
        #expect(try RegexEngine.compile("(a|aa)+$").matches(long + "b") == false)
        #expect(try RegexEngine.compile("^(a+)+$").matches(long + "!") == false)
        #expect(try RegexEngine.compile("(x+x+)+y").matches(String(repeating: "x", count: 5_000)) == false)
    }

    @Test func randomPatternsNeverTrap() {
        var rng = SystemRandomNumberGenerator()
        let pieces = ["a", "b", ".", "*", "+", "?", "|", "(", ")", "[", "]", "^", "$", "\\", "{", "}", "2", ",", "-",
                      "\\d", "\\b", "(?i)", "(?:", "[^", "\\pL", "é", "😀", "{2,3}", ":", "P", "<", ">"]
        let inputs = ["", "ab", "aab2", "é😀b", "a-b\nc", String(repeating: "ab", count: 50)]
        var compiled = 0
        for _ in 0..<5_000 {
            let pattern = (0..<Int.random(in: 0...10, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined()
            guard let re = try? RegexEngine.compileUncached(pattern) else { continue }
            compiled += 1
            for input in inputs { _ = re.matches(input) }
        }
        #expect(compiled > 100)
    }

    /// Random patterns checked against NSRegularExpression (ICU). The subset avoids where
    /// the two differ by design (Unicode `\w`/`\b` in ICU, `$` before a final newline)
    /// and quantified groups, where ICU's backtracker mishandles some empty iterations.
    @Test func agreesWithFoundationOnRandomPatterns() throws {
        var rng = SystemRandomNumberGenerator()
        func atom(_ depth: Int) -> (text: String, quantifiable: Bool) {
            let leaves = ["a", "b", ".", "[ab]", "[^a]", "\\d", "\\w", "(?i)a", "x", "^", "$", "\\b", "\\B",
                          "[0-9]", "\\pL", "(?i)[a1]"]
            if depth > 1 || Bool.random(using: &rng) {
                let leaf = leaves.randomElement(using: &rng) ?? "a"
                return (leaf, !["^", "$", "\\b", "\\B"].contains(leaf))
            }
            return ("(" + alternation(depth + 1) + ")", false)
        }
        func piece(_ depth: Int) -> String {
            let (text, quantifiable) = atom(depth)
            let ops = ["", "", "*", "+", "?", "{1,2}", "{2}", "*?", "+?", "{0,3}"]
            return quantifiable ? text + (ops.randomElement(using: &rng) ?? "") : text
        }
        func alternation(_ depth: Int) -> String {
            (0..<Int.random(in: 1...3, using: &rng)).map { _ in
                (0..<Int.random(in: 1...3, using: &rng)).map { _ in piece(depth) }.joined()
            }.joined(separator: "|")
        }
        let alphabet: [Character] = ["a", "b", "1", "A", " ", "x"]
        var checked = 0
        for _ in 0..<1_500 {
            let pattern = alternation(0)
            let re = try RegexEngine.compileUncached(pattern)
            guard let ns = try? NSRegularExpression(pattern: pattern) else { continue }
            for _ in 0..<4 {
                let input = String((0..<Int.random(in: 0...5, using: &rng)).map { _ in alphabet.randomElement(using: &rng) ?? "a" })
                let expected = ns.firstMatch(in: input, range: NSRange(input.startIndex..., in: input)) != nil
                #expect(re.matches(input) == expected, "/\(pattern)/ ~ \"\(input)\"")
                checked += 1
            }
        }
        #expect(checked > 1_000)
    }

    @Test func programSizeIsCapped() {
        #expect(throws: RegexError.self) { try RegexEngine.compileUncached("((a{1000}){1000}){1000}") }
        #expect(throws: RegexError.self) { try RegexEngine.compileUncached(String(repeating: "(", count: 500)) }
        #expect(throws: RegexError.self) {
            try RegexEngine.compileUncached(String(repeating: "a", count: RegexEngine.maxPatternBytes + 1))
        }
    }

    @Test func budgetStopsExpensiveSearches() throws {
        let re = try RegexEngine.compile("(a|b|c|d|e|f)*z")
        let input = String(repeating: "abcdef", count: 10_000)
        #expect(re.matches(input, budget: 1_000) == nil)
        #expect(re.matches(input, budget: Int.max) == false)
    }

    @Test func compiledPatternsAreCached() throws {
        let a = try RegexEngine.compile("ca(ch)+e")
        let b = try RegexEngine.compile("ca(ch)+e")
        #expect(a === b)
    }

    @Test func concurrentUseIsSafe() async throws {
        let re = try RegexEngine.compile("^[a-z]+\\d+$")
        await withTaskGroup(of: Bool.self) { group in
            for k in 0..<32 {
                group.addTask { re.matches("abc\(k)") && (try? RegexEngine.compile("x\(k % 4)y"))?.matches("x\(k % 4)y") == true }
            }
            for await ok in group { #expect(ok) }
        }
    }

    @Test func endToEnd() {
        LibraryCall.expectEndToEnd(true: [
            "'hubba'.matches('ubb')",
            "matches('hubba', '^h.*a$')",
            "!'hubba'.matches('^ubb')",
            "'foo@example.com'.matches('^[\\\\w.+-]+@[\\\\w-]+\\\\.[a-z]{2,}$')",
            "'ABC'.matches('(?i)abc')",
            "['a1', 'b2'].all(s, s.matches('^[a-z]\\\\d$'))",
            "'aaaa'.matches('(a*)*$')",
        ], errors: [
            "'abc'.matches('(')",
            "'abc'.matches('\\\\1')",
        ])
    }

    @Test func celFunctionReportsErrors() {
        #expect(RegexLibrary.matches(.string("abc"), .string("b")).isTrue)
        #expect(RegexLibrary.matches(.string("abc"), .string("(")).isError)
        #expect(RegexLibrary.matches(.int(1), .string("a")).isError)
        let decls = RegexLibrary.declarations(limits: .default)
        #expect(decls.first?.overloads.map(\.id) == ["matches", "matches_string"])
    }
}

extension Value {
    /// True for `.bool(true)` only (a test helper).
    var isTrue: Bool { if case .bool(true) = self { true } else { false } }
}
