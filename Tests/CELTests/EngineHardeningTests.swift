@testable import CEL
import Foundation
import TestSupport
import Testing

/// Issue 8, the CEL layer: attacks on the cost budget, the parser and the stack. Each
/// test is an attack a module author or a request could mount; wall-clock guards are
/// generous and only catch hangs.
@Suite struct EngineHardeningTests {
    /// A 1 MiB string input, mostly `a`s with a few other characters.
    static let bigInput: Value = {
        var s = String(repeating: "a", count: 1 << 20)
        s += ",b"
        return .string(s)
    }()

    /// Evaluates `body` on a thread of its own (CPU-heavy work must not hold the test
    /// runner's cooperative threads, which the database and node tests run on) and returns
    /// its result with the seconds it took; nil if it did not finish within a minute.
    static func timed(_ body: @escaping @Sendable () -> Value) async -> (Value, Double)? {
        await onSmallStack(stackSize: 8 << 20, timeout: .seconds(60)) {
            var result = Value.null
            let seconds = elapsed { result = body() }
            return (result, seconds)
        }
    }

    static func elapsed(_ body: () throws -> Void) rethrows -> Double {
        let start = Date()
        try body()
        return Date().timeIntervalSince(start)
    }

    static func expectError(_ value: Value, containing text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        guard case .error(let e) = value else {
            Issue.record("expected an error containing '\(text)', got \(value)", sourceLocation: sourceLocation)
            return
        }
        #expect(e.message.contains(text), "\(e.message)", sourceLocation: sourceLocation)
    }

    // MARK: - Item 1: cost covers library work

    @Test("a small loop over a 1 MiB input ends with a cost error quickly, whatever it calls", arguments: [
        "s.indexOf('b')", "s.lastIndexOf('zz')", "s.charAt(1048000)", "s.substring(1048000)",
        "s.split(',')", "s.replace('b', 'c')", "'%s'.format([s])", "[s, s].join('')",
        "s.matches('a*b')", "s.matches('[a-z]+,c')", "s.contains('zz')", "size(s)",
        "s + 'x'", "s.upperAscii()", "s.trim()", "s.reverse()", "bytes(s)", "[s] == [s + '']",
        "s in [s + 'x', s + 'y']", "base64.encode(bytes(s))",
    ])
    func libraryLoopsAreCharged(_ call: String) async throws {
        var env = Environment()
        env.declare(variable: "s", type: .string)
        env.declare(variable: "n", type: .list(.int))
        let program = try env.compile(Source(text: "n.map(i, \(call)).size()"))
        let loop = Value.list((0..<10_000).map { .int(Int64($0)) })
        let (result, seconds) = try #require(await Self.timed { program.evaluate(["s": Self.bigInput, "n": loop]) })
        Self.expectError(result, containing: "Limits.maxCost")
        #expect(seconds < 30, "took \(seconds) s")
    }

    /// Comparing two long values reads them whole, and so does hashing a long map key:
    /// 10,000 iterations over 1 MiB values would read 10 GiB (before, each comparison and
    /// lookup cost one unit, and these loops ran for minutes).
    @Test("comparisons and key lookups of a 1 MiB value in a loop end with a cost error quickly", arguments: [
        "s == t", "s != t", "s < t", "s >= t", "t > s", "t.startsWith(s)", "s.endsWith(t)",
        "b == c", "b < c", "m[s]", "m[?s].hasValue()", "s in m", "t in m", "[s, t].distinct()",
        "sets.contains([s], [t])",
    ])
    func comparisonsOfLongValuesAreCharged(_ call: String) async throws {
        var env = Environment()
        for name in ["s", "t"] { env.declare(variable: name, type: .string) }
        for name in ["b", "c"] { env.declare(variable: name, type: .bytes) }
        env.declare(variable: "m", type: .map(.string, .int))
        env.declare(variable: "n", type: .list(.int))
        let program = try env.compile(Source(text: "n.map(i, \(call)).size()"))
        let loop = Value.list((0..<10_000).map { .int(Int64($0)) })
        guard case .string(let big) = Self.bigInput else { return }
        // Equal but for the last byte, in buffers of their own: every comparison reads all.
        let other = String(big.dropLast()) + "c"
        let bytes = Value.bytes(Array(big.utf8)), otherBytes = Value.bytes(Array(other.utf8))
        var entries = CELMap()
        _ = entries.insert(key: .string(big), value: .int(1))
        let inputs: [String: Value] = ["s": Self.bigInput, "t": .string(other), "b": bytes, "c": otherBytes,
                                       "m": .map(entries), "n": loop]
        let (result, seconds) = try #require(await Self.timed { program.evaluate(inputs) })
        Self.expectError(result, containing: "Limits.maxCost")
        #expect(seconds < 30, "took \(seconds) s")
    }

    @Test("parsing a 1 MiB input in a loop ends with an error quickly", arguments: [
        "timestamp(s)", "duration(s)", "int(s)", "double(s)", "timestamp(0).getHours(s)",
    ])
    func parsersOverLargeInputsEndQuickly(_ call: String) async throws {
        var env = Environment()
        env.declare(variable: "s", type: .string)
        env.declare(variable: "n", type: .list(.int))
        let program = try env.compile(Source(text: "n.map(i, \(call)).size()"))
        let loop = Value.list((0..<10_000).map { .int(Int64($0)) })
        let (result, seconds) = try #require(await Self.timed { program.evaluate(["s": Self.bigInput, "n": loop]) })
        #expect(result.isError)
        #expect(seconds < 30, "took \(seconds) s")
    }

    @Test func regexStepsSpendTheEvaluationsBudget() throws {
        // Each call alone stays below the regex engine's own step budget; together they
        // exceed the evaluation's, which they now share.
        var limits = Limits()
        limits.maxCost = 2_000_000
        var env = Environment(limits: limits)
        env.declare(variable: "s", type: .string)
        let program = try env.compile(Source(text: "[1, 2, 3, 4, 5, 6, 7, 8].all(i, !s.matches('(a|aa)*b'))"))
        Self.expectError(program.evaluate(["s": .string(String(repeating: "a", count: 100_000))]), containing: "Limits.maxCost")
    }

    @Test func formatOfSharedNestedListsIsBoundedBeforeItIsBuilt() async throws {
        var env = Environment()
        env.declare(variable: "s", type: .string)
        // 100 references to one list of 100 references to a 1 MiB string: 10 GiB of text.
        let program = try env.compile(Source(text: "cel.bind(l, [s, s, s, s, s, s, s, s, s, s], cel.bind(m, [l, l, l, l, l, l, l, l, l, l], '%s'.format([[m, m, m, m, m, m, m, m, m, m]])))"))
        var result = Value.null
        let seconds = Self.elapsed { result = program.evaluate(["s": Self.bigInput]) }
        Self.expectError(result, containing: "Limits.maxStringBytes")
        #expect(seconds < 30, "took \(seconds) s")
    }

    @Test func joinRefusesBeforeCopying() throws {
        var limits = Limits()
        limits.maxStringBytes = 1_000
        let items = Array(repeating: Value.string(String(repeating: "x", count: 600)), count: 2)
        Self.expectError(StringsExtension.join(items, "", maxBytes: limits.maxStringBytes), containing: "Limits.maxStringBytes")
    }

    @Test func jsonOutputIsCappedBeforeItIsBuilt() throws {
        let inner = Value.list(Array(repeating: Self.bigInput, count: 64))
        let outer = Value.list(Array(repeating: inner, count: 64))
        #expect(throws: JSONError.self) { _ = try outer.jsonData() }
        #expect(throws: JSONError.self) { _ = try Value.string(String(repeating: "x", count: 100)).jsonData(maxBytes: 50) }
        #expect(try Value.list([.int(1)]).json(maxBytes: 3) == "[1]")
    }

    @Test func stringFunctionsKeepTheirResultsInPlace() throws {
        // Code-point indices over multi-byte text, read in place.
        #expect(StringsExtension.indexOf("héllo wörld", "wö", offset: 2).description == "6")
        #expect(StringsExtension.lastIndexOf("aéaéa", "éa", offset: nil).description == "3")
        #expect(StringsExtension.lastIndexOf("aéaéa", "éa", offset: 2).description == "1")
        #expect(StringsExtension.lastIndexOf("abc", "", offset: nil).description == "3")
        #expect(StringsExtension.charAt("añb", 1).description == "\"ñ\"")
        #expect(StringsExtension.charAt("añb", 3).description == "\"\"")
        #expect(StringsExtension.substring("añbç", 1, 3).description == "\"ñb\"")
        Self.expectError(StringsExtension.substring("añb", 1, 4), containing: "index out of range: 4")
        Self.expectError(StringsExtension.charAt("añb", 4), containing: "index out of range: 4")
    }

    // MARK: - Item 2: parse time

    @Test func chainedOptMapParsesFastAndSmall() throws {
        var text = "optional.of(x)"
        for k in 0..<40 { text = "(\(text)).optMap(v\(k), v\(k) + 1)" }
        var parsed: ParsedExpr?
        let seconds = try Self.elapsed { parsed = try CELParser.parse(Source(text: text)) }
        #expect(seconds < 5)
        #expect((parsed?.maxID ?? .max) < 2_000)
        var env = Environment()
        env.declare(variable: "x", type: .int)
        let program = try env.compile(Source(text: text))
        #expect(program.evaluate(["x": .int(1)]).description == "optional.of(41)")
    }

    @Test func tooManyNodesIsADiagnosticWithAPosition() throws {
        var limits = Limits()
        limits.maxNodes = 100
        let text = (0..<200).map(String.init).joined(separator: " + ")
        do {
            _ = try CELParser.parse(Source(text: text), options: ParseOptions(limits: limits))
            Issue.record("expected E403")
        } catch {
            #expect(error.diagnostics.first?.code == "E403")
            #expect(error.diagnostics.first?.message.contains("Limits.maxNodes") == true)
            #expect((error.diagnostics.first?.location.column ?? 0) > 1)
        }
    }

    // MARK: - Item 3: no stack overflow

    /// `f1(x) = wrap(x)`, `fk(x) = wrap(f{k-1}(x))` for k up to `count`.
    static func chain(_ count: Int, wrap: String, env base: Environment) throws -> CompiledFunction {
        var env = base
        var previous: CompiledFunction?
        for k in 1...count {
            let inner = previous == nil ? "x" : "f\(k - 1)(x)"
            let source = Source(text: wrap.replacingOccurrences(of: "_", with: inner))
            let f = try env.compileFunction(name: "f\(k)", parameters: ["x"], body: try env.parse(source).expr, in: source)
            env.declare(function: "f\(k)", compiled: f)
            previous = f
        }
        return previous!
    }

    @Test func tenThousandChainedFunctionsAreRefusedAtCompileTime() throws {
        // f2(x) = f1(x), f3(x) = f2(x), ...: the link past Limits.maxCallDepth is E405, so
        // no chain deeper than the limit is ever built (nor called, nor freed recursively).
        do {
            _ = try Self.chain(10_000, wrap: "_", env: Environment())
            Issue.record("expected E405")
        } catch let error as CompileError {
            #expect(error.diagnostics.first?.code == "E405")
            #expect(error.diagnostics.first?.message.contains("Limits.maxCallDepth") == true)
            // The message names the chain CEL computed, the compiled function first.
            #expect(error.diagnostics.first?.message.hasPrefix("call chain too deep: f65 → f64 → ") == true)
            #expect(error.diagnostics.first?.message.contains("→ f1 is 65 calls deep, more than the limit of 64") == true)
            #expect(error.diagnostics.first?.location.line == 1)
        }
        let legal = try Self.chain(Limits.default.maxCallDepth, wrap: "_", env: Environment())
        #expect(legal.call([.int(7)]).description == "7")
    }

    @Test func aChainDeeperThanACalleesLimitIsAnErrorValueAtRunTime() async throws {
        // Functions compiled under different limits: the static check holds for each, the
        // frame's depth counter stops the chain where a callee's limit is passed.
        var low = Limits()
        low.maxCallDepth = 10
        var env = Environment(limits: low)
        var previous: CompiledFunction?
        for k in 1...200 {
            if k == 11 { env.limits.maxCallDepth = 5_000 }
            let source = Source(text: previous == nil ? "x + 1" : "f\(k - 1)(x)")
            let f = try env.compileFunction(name: "f\(k)", parameters: ["x"], body: try env.parse(source).expr, in: source)
            env.declare(function: "f\(k)", compiled: f)
            previous = f
        }
        let last = previous!
        let result = try #require(await onSmallStack { last.call([.int(1)]) })
        Self.expectError(result, containing: "Limits.maxCallDepth")
    }

    @Test func aChainOfFunctionsThatNestTheirArgumentIsRefusedAtCompileTime() throws {
        // fN(x) = [[[fN-1(x)]]]: each link adds three levels; the link past
        // Limits.maxValueDepth is E404.
        do {
            _ = try Self.chain(10_000, wrap: "[[[_]]]", env: Environment())
            Issue.record("expected E404")
        } catch let error as CompileError {
            #expect(error.diagnostics.first?.code == "E404")
            #expect(error.diagnostics.first?.message.contains("Limits.maxValueDepth") == true)
        }
        // Within one expression, cel.bind chains compound too.
        // 17 binds, each nesting 4 levels over the previous value in its initializer and 4
        // more in its body: 85 levels of syntax, 136 levels of value.
        var text = "x"
        for k in 0..<17 { text = "cel.bind(v\(k), [[[[\(text)]]]], [[[[v\(k)]]]])" }
        var env = Environment()
        env.declare(variable: "x")
        do {
            _ = try env.compile(Source(text: text))
            Issue.record("expected E404")
        } catch {
            #expect(error.diagnostics.first?.code == "E404")
        }
        // Macros that collect elements add one level per list, not per iteration.
        #expect(try env.compile(Source(text: "x.map(a, [a]).map(b, {'k': b})")).evaluate(["x": .list([.int(1)])])
            .description == #"[{"k": [1]}]"#)
    }

    @Test func theDeepestLegalValueWorksOnASmallStack() async throws {
        // The deepest value an evaluation can build with the defaults: JSON input
        // `maxJSONDepth` deep, wrapped `maxValueDepth` levels deeper by `maxCallDepth` functions.
        let limits = Limits.default
        let perLink = limits.maxValueDepth / limits.maxCallDepth
        let wrap = String(repeating: "[", count: perLink) + "_" + String(repeating: "]", count: perLink)
        let last = try Self.chain(limits.maxCallDepth, wrap: wrap, env: Environment())
        let json = String(repeating: "[", count: limits.maxJSONDepth - 1) + "1" + String(repeating: "]", count: limits.maxJSONDepth - 1)
        let input = try Value(json: Array(json.utf8), limits: limits)
        let outcome = try #require(await onSmallStack { () -> [String] in
            let value = last.call([input])
            let again = last.call([input])
            var env = Environment()
            env.declare(variable: "v")
            env.declare(variable: "w")
            let program = try! env.compile(Source(text: "v == w && '%s'.format([v]).size() > 0 && !(v in [1, 2])"))
            return [
                value.celEquals(again) ? "equal" : "unequal",
                program.evaluate(["v": value, "w": again]).description,
                (try? value.jsonData()) == nil ? "refused" : "written",
                String(value.description.count),
            ]
        })
        #expect(Array(outcome.prefix(3)) == ["equal", "true", "written"])
    }

    @Test func deepJSONInputIsAnError() async throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let refused = await onSmallStack { (try? Value(json: Array(deep.utf8), limits: .default)) == nil }
        #expect(refused == true)
    }

    @Test func deepValuesFromTheHostAreRefusedNotOverflowed() async throws {
        var deep = Value.int(1)
        for _ in 0..<(Value.maxTraversalDepth + 100) { deep = .list([deep]) }
        let value = deep
        // Deeper than anything an evaluation builds or decodes: the operations refuse it
        // at their depth counter instead of recursing on (on a thread of the usual size).
        let outcome = try #require(await onSmallStack(stackSize: 8 << 20) { () -> [String] in
            var env = Environment()
            env.declare(variable: "v")
            let eq = try! env.compile(Source(text: "v == v")).evaluate(["v": value])
            let fmt = try! env.compile(Source(text: "'%s'.format([v])")).evaluate(["v": value])
            let json = (try? value.jsonData()) == nil ? "refused" : "written"
            return [eq.description, fmt.description, json]
        })
        let (eq, fmt, json) = (outcome[0], outcome[1], outcome[2])
        #expect(eq.contains("Value.maxTraversalDepth"))
        #expect(fmt.contains("Value.maxTraversalDepth"))
        #expect(json == "refused")
    }
}
