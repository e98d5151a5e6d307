import CELConformance
import Foundation
import Testing
@testable import CEL

/// The regex extension (`regex.extract`, `regex.extractAll`, `regex.replace`): the data
/// file `Data/ext/regex_ext.json`, cost and size limits, large inputs, and the engine's
/// submatches.
@Suite("RegexExtension")
struct RegexExtensionTests {
    static func dataFile() throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Data", withExtension: nil))
            .appendingPathComponent("ext").appendingPathComponent("regex_ext.json")
        return try [UInt8](Data(contentsOf: url))
    }

    @Test func dataFilePasses() throws {
        let bytes = try Self.dataFile()
        let corpus = try ConformanceCorpus(name: "regex_ext", json: bytes)
        #expect(corpus.tests.count >= 50)
        let result = corpus.run()
        #expect(result.skipped == 0, "\(result.summary)")
        #expect(result.failed == 0, "\(result.summary)\n\(result.failures.map(\.description).joined(separator: "\n"))")
    }

    /// The conformance runner accepts any error; here each expected error must also say
    /// what the data file says it says.
    @Test func dataFileErrorsCarryTheirMessages() throws {
        let json = try JSONSerialization.jsonObject(with: Data(try Self.dataFile())) as? [String: Any]
        let sections = try #require(json?["sections"] as? [[String: Any]])
        var checked = 0
        for section in sections {
            for test in section["tests"] as? [[String: Any]] ?? [] {
                guard let expect = test["expect"] as? [String: Any], let message = expect["error"] as? String,
                      let expr = test["expr"] as? String else { continue }
                let value = LibraryCall.eval(expr)
                guard case .error(let e) = value else {
                    Issue.record("\(expr): expected an error, got \(value)")
                    continue
                }
                #expect(e.message.contains(message), "\(expr): \(e.message)")
                checked += 1
            }
        }
        #expect(checked >= 15)
    }

    // MARK: - Cost budget and limits

    /// The cost of evaluating `text` once with the string variable `s`, and its result.
    static func cost(_ text: String, s: String, budget units: Int = Limits.default.maxCost) throws -> (Int, Value) {
        var env = Environment()
        env.declare(variable: "s", type: .string)
        let program = try env.compile(Source(text: text))
        var budget = CostBudget(units)
        let value = program.evaluate(["s": .string(s)], budget: &budget)
        return (units - budget.remaining, value)
    }

    /// The engine's steps come from the evaluation's budget: each call costs more than the
    /// bytes it reads, a search the budget cannot cover is an error, and the same call
    /// with the budget it needs is not.
    @Test func stepsAreChargedToTheEvaluation() throws {
        let input = String(repeating: "ab", count: 5_000)
        for call in ["regex.extractAll(s, 'b').size() == 5000", "regex.extract(s, '[ab]c').hasValue() == false",
                     "regex.replace(s, 'b', 'c').size() == 10000", "regex.replace(s, 'b', 'c', 7).size() == 10000"] {
            let (needed, value) = try Self.cost(call, s: input)
            #expect(value.description == "true", "\(call)")
            #expect(needed > 2 * input.utf8.count, "\(call): \(needed)")
            let (_, starved) = try Self.cost(call, s: input, budget: needed - 1)
            guard case .error(let e) = starved else {
                Issue.record("\(call): expected the cost budget to stop the call")
                continue
            }
            #expect(e.message.contains("cost budget"), "\(call)")
        }
    }

    /// A harder pattern over the same input costs more: the matcher's steps are charged.
    @Test func costGrowsWithTheSearch() throws {
        let input = String(repeating: "x", count: 1_000)
        let (cheap, _) = try Self.cost("regex.replace(s, 'y', 'z')", s: input)
        let (dear, _) = try Self.cost("regex.replace(s, '[a-w]*y|[a-w]*z', 'z')", s: input)
        #expect(cheap >= 1_000)
        #expect(dear > cheap)
    }

    @Test func replaceResultIsSizeCheckedBeforeItIsBuilt() {
        var limits = Limits.default
        limits.maxStringBytes = 1_000
        let input = String(repeating: "a", count: 500)
        let value = LibraryCall.eval("regex.replace('\(input)', 'a', 'bbb')", limits: limits)
        guard case .error(let e) = value else {
            Issue.record("expected a size error, got \(value)")
            return
        }
        #expect(e.message.contains("Limits.maxStringBytes"))
        #expect(LibraryCall.eval("regex.replace('\(input)', 'a', 'b')", limits: limits).description.count == 502)
    }

    @Test func extractAllRespectsTheCollectionLimit() {
        var limits = Limits.default
        limits.maxCollectionSize = 100
        let input = String(repeating: "a", count: 101)
        guard case .error(let e) = LibraryCall.eval("regex.extractAll('\(input)', 'a')", limits: limits) else {
            Issue.record("expected a collection size error")
            return
        }
        #expect(e.message.contains("Limits.maxCollectionSize"))
        #expect(LibraryCall.eval("regex.extractAll('\(input)', 'a{2}').size()", limits: limits).description == "50")
    }

    /// Every implementation stops at its step budget (inside an evaluation the budget
    /// left, outside it the engine's own, as `matches`) with the error it is given.
    @Test func searchesStopAtTheirStepBudget() {
        let input = Value.string(String(repeating: "a", count: 2_000))
        let over = CELError("over budget")
        for call in [{ (b: inout Int) in RegexExtension.extract([input, .string("(a?){300}b")], &b, over) },
                     { (b: inout Int) in RegexExtension.extractAll([input, .string("(a?){300}b")], &b, over, maxItems: 10) },
                     { (b: inout Int) in RegexExtension.replace([input, .string("(a?){300}b"), .string("")], &b, over,
                                                                maxBytes: 100) }] {
            var budget = 100_000
            guard case .error(let e) = call(&budget) else {
                Issue.record("expected the step budget to stop the search")
                continue
            }
            #expect(e == over)
            #expect(budget <= 0)
        }
    }

    // MARK: - Planning

    /// A constant pattern is compiled when the expression is planned: the call node holds
    /// the prepared implementation. A pattern from a variable, or an invalid constant one,
    /// keeps the general call (which compiles through the cache, or is the error).
    @Test func constantPatternsAreCompiledAtPlanTime() throws {
        var env = Environment()
        env.declare(variable: "s", type: .string)
        env.declare(variable: "p", type: .string)
        for text in ["regex.extract(s, '(b)')", "regex.extractAll(s, 'b')", "regex.replace(s, 'b', 'x')",
                     "regex.replace(s, 'b', 'x', 1)"] {
            #expect(try env.compile(Source(text: text)).core.root is MeteredArgumentsCallNode, "\(text)")
        }
        #expect(!(try env.compile(Source(text: "regex.extract(s, p)")).core.root is MeteredArgumentsCallNode))
        let invalid = try env.compile(Source(text: "regex.replace(s, '(', 'x')"))
        #expect(!(invalid.core.root is MeteredArgumentsCallNode))
        #expect(invalid.evaluate(["s": .string("a")]).isError)
        let prepared = try env.compile(Source(text: "regex.replace(s, '(a)(b)?', '<\\\\2\\\\1>')"))
        let replaced = prepared.evaluate(["s": .string("xaby a")])
        if case .string(let r) = replaced { #expect(r == "x<ba>y <a>") } else { Issue.record("got \(replaced)") }
    }

    /// Groups only matter to the submatcher: `matches` keeps its substring shortcut for
    /// a literal pattern in a group.
    @Test func groupedLiteralKeepsTheSubstringSearch() throws {
        let regex = try RegexEngine.compileUncached("(ab)c")
        #expect(regex.program.literal == Array("abc".utf8))
        #expect(regex.matches("xxabcx"))
        #expect(!regex.matches("xxab"))
    }

    // MARK: - Large inputs

    /// Patterns that make backtracking engines explode stay linear, and a long input with
    /// many empty matches is walked once.
    @Test(.timeLimit(.minutes(1))) func largeInputs() {
        let decls = RegexExtension.declarations(limits: .default)
        let many = String(repeating: "a", count: 20_000)
        let hostile = LibraryCall.invoke(decls, "regex_extract_string_string", [.string(many), .string("(a*)*b")])
        #expect(hostile.description == "optional.none()")
        let words = Array(repeating: "héllo wörld", count: 20_000).joined(separator: " ")
        let all = LibraryCall.invoke(decls, "regex_extractAll_string_string", [.string(words), .string(#"(\pL+)"#)])
        guard case .list(let items) = all else {
            Issue.record("expected a list, got \(all)")
            return
        }
        #expect(items.count == 40_000)
        if case .string(let first)? = items.first { #expect(first == "héllo") } else { Issue.record("no first item") }
        let accents = String(repeating: "é", count: 50_000)
        let same = LibraryCall.invoke(decls, "regex_replace_string_string_string", [.string(accents), .string(""), .string("")])
        if case .string(let s) = same { #expect(s == accents) } else { Issue.record("expected a string, got \(same)") }
    }

    // MARK: - Engine submatches

    static func submatch(_ pattern: String, _ input: String, from start: Int = 0) throws -> [Int]? {
        let regex = try RegexEngine.compileUncached(pattern)
        var matcher = regex.submatcher(input)
        switch matcher.find(from: start, stepLimit: Int.max) {
        case .found(let slots): return slots
        case .notFound: return nil
        case .tooExpensive: return [-2]
        }
    }

    @Test func engineSubmatchPositions() throws {
        #expect(try Self.submatch("b(c)", "abcd") == [1, 3, 2, 3])
        #expect(try Self.submatch("(a)|(b)", "b") == [0, 1, -1, -1, 0, 1])
        #expect(try Self.submatch("(a+)(a*)", "aaa") == [0, 3, 0, 3, 3, 3])
        #expect(try Self.submatch("(a+?)(a*)", "aaa") == [0, 3, 0, 1, 1, 3])
        #expect(try Self.submatch("(a|ab)(c|bcd)", "abcd") == [0, 4, 0, 1, 1, 4])
        #expect(try Self.submatch("x*", "abc") == [0, 0])
        #expect(try Self.submatch("((a)|b)+", "ab") == [0, 2, 1, 2, 0, 1])
        #expect(try Self.submatch("(é)(.)", "aéb") == [1, 4, 1, 3, 3, 4])
        #expect(try Self.submatch("^a", "aa", from: 1) == nil)
        #expect(try Self.submatch(#"\bb"#, "ab b", from: 1) == [3, 4])
        #expect(try Self.submatch("(?i)(K)", "\u{212A}") == [0, 3, 0, 3])
        #expect(try Self.submatch("q", "abc") == nil)
        // Code points no match starts with are skipped without steps; context survives the skip.
        #expect(try Self.submatch(#"(a)\b"#, "éaa a") == [3, 4, 3, 4])
        #expect(try Self.submatch(#"\ba"#, "éaa a", from: 3) == [5, 6])
        #expect(try Self.submatch("c(d)?", "ééé c") == [7, 8, -1, -1])
    }

    @Test func engineCountsGroupsInOpeningOrder() throws {
        #expect(try RegexEngine.compileUncached("(a(b)(?:c)(?P<n>d))").groupCount == 3)
        #expect(try Self.submatch("(a(b)(?:c)(?P<n>d))", "abcd") == [0, 4, 0, 4, 1, 2, 3, 4])
        #expect(try RegexEngine.compileUncached("(?i)abc").groupCount == 0)
    }

    /// Only groups 0...9 are tracked, whatever the pattern has: the work per thread stays bounded.
    @Test func engineTracksTenGroupsAtMost() throws {
        let pattern = String(repeating: "(a)", count: 30)
        let regex = try RegexEngine.compileUncached(pattern)
        #expect(regex.groupCount == 30)
        let slots = try #require(try Self.submatch(pattern, String(repeating: "a", count: 30)))
        #expect(slots.count == 20)
        #expect(slots[18] == 8 && slots[19] == 9)
    }

    @Test func engineSubmatchStepsAreBounded() throws {
        let regex = try RegexEngine.compileUncached("(a?){200}a{200}")
        var matcher = regex.submatcher(String(repeating: "a", count: 200))
        guard case .tooExpensive = matcher.find(from: 0, stepLimit: 1_000) else {
            Issue.record("expected the step limit to stop the search")
            return
        }
        var unlimited = regex.submatcher(String(repeating: "a", count: 200))
        guard case .found(let slots) = unlimited.find(from: 0, stepLimit: Int.max) else {
            Issue.record("expected a match")
            return
        }
        #expect(slots[0] == 0 && slots[1] == 200)
    }
}
