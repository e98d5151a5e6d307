@testable import CEL
import Testing

/// Evaluation through the public engine API: slots, folding, specialised operators,
/// comprehensions, containers and compiled functions.
@Suite struct EngineEvaluationTests {
    func eval(_ text: String, _ bindings: [String: Value] = [:], container: String = "") throws -> Value {
        var env = Environment(container: container)
        for name in bindings.keys { env.declare(variable: name) }
        return try env.compile(Source(text: text)).evaluate(bindings)
    }

    /// Field names match map keys by code points: U+212A KELVIN SIGN is canonically
    /// equivalent to `K` (Swift's `==` equates them) but is another key in CEL.
    @Test func fieldSelectionComparesKeysByCodePoint() throws {
        var kelvin = CELMap()
        kelvin.insert(key: .string("\u{212A}"), value: .int(1))
        for text in ["m.K", "[m][0].K", "dyn(m).K", "{'\\u212A': 1}.K", "[{'\\u212A': 1}][0].K"] {
            guard case .error = try eval(text, ["m": .map(kelvin)]) else {
                Issue.record("\(text) found the key '\u{212A}' under 'K'")
                continue
            }
        }
        for text in ["has(m.K)", "has([m][0].K)", "has({'\\u212A': 1}.K)"] {
            expectBool(try eval(text, ["m": .map(kelvin)]), false)
        }
        expectInt(try eval("{'\\u212A': 1}['\\u212A']"), 1)
    }

    /// The members of a JSON object, as variables.
    func variables(json: String) throws -> [String: Value] {
        guard case .map(let root) = try Value(json: json) else { throw CELError("not a JSON object: \(json)") }
        var variables: [String: Value] = [:]
        for i in 0..<root.count {
            if case .string(let k) = root.keys[i] { variables[k] = root.values[i] }
        }
        return variables
    }

    func expectInt(_ v: Value, _ expected: Int64, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        guard case .int(let i) = v else {
            Issue.record("expected int \(expected), got \(v)", sourceLocation: sourceLocation)
            return
        }
        #expect(i == expected, sourceLocation: sourceLocation)
    }

    func expectBool(_ v: Value, _ expected: Bool, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        guard case .bool(let b) = v else {
            Issue.record("expected bool \(expected), got \(v)", sourceLocation: sourceLocation)
            return
        }
        #expect(b == expected, sourceLocation: sourceLocation)
    }

    func expectString(_ v: Value, _ expected: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        guard case .string(let s) = v else {
            Issue.record("expected string \(expected), got \(v)", sourceLocation: sourceLocation)
            return
        }
        #expect(s == expected, sourceLocation: sourceLocation)
    }

    @Test func variablesLiveInSlots() throws {
        var env = Environment()
        env.declare(variable: "a", type: .int)
        env.declare(variable: "b", type: .int)
        env.declare(variable: "unused", type: .int)
        let program = try env.compile(Source(text: "a * 10 + b + a"))
        #expect(program.variableNames == ["a", "b"])
        var activation = program.makeActivation()
        let boundA = activation.bind("a", .int(4))
        let boundB = activation.bind("b", .int(2))
        let boundUnused = activation.bind("unused", .int(0))
        #expect(boundA && boundB && !boundUnused)
        expectInt(program.evaluate(activation), 46)
        activation.bind("a", .int(1))
        expectInt(program.evaluate(activation), 13)
    }

    @Test func unboundVariableIsAnErrorOnlyWhenRead() throws {
        var env = Environment()
        env.declare(variable: "x", type: .bool)
        let program = try env.compile(Source(text: "true || x"))
        expectBool(program.evaluate(), true)
        let strict = try env.compile(Source(text: "x"))
        #expect(strict.evaluate().isError)
    }

    @Test func constantsAreFolded() throws {
        var env = Environment()
        env.declare(constant: "rate", value: .double(0.25))
        let program = try env.compile(Source(text: "size('abc') + 2 * 3 > 4 && rate * 4.0 == 1.0"))
        #expect(program.core.constant != nil)
        expectBool(program.evaluate(), true)
        let list = try env.compile(Source(text: "[1, 2, 3 + 4]"))
        #expect(list.core.constant != nil)
        #expect(list.resultType == .list(.int))
    }

    @Test func foldedErrorsKeepTheirPosition() throws {
        let program = try Environment().compile(Source(text: "1 + 1 / 0"))
        guard case .error(let e) = program.evaluate() else {
            Issue.record("expected an error")
            return
        }
        #expect(e.offset == 6)
    }

    @Test func logicalOperatorsAreCommutativeOverErrors() throws {
        let bindings: [String: Value] = ["e": .error(CELError("boom")), "t": .bool(true), "f": .bool(false)]
        expectBool(try eval("e && f", bindings), false)
        expectBool(try eval("f && e", bindings), false)
        expectBool(try eval("e || t", bindings), true)
        expectBool(try eval("t || e", bindings), true)
        #expect(try eval("e && t", bindings).isError)
        #expect(try eval("t && e", bindings).isError)
        #expect(try eval("e || f", bindings).isError)
        #expect(try eval("f || e", bindings).isError)
        #expect(try eval("e ? 1 : 2", bindings).isError)
        expectBool(try eval("[1, 0].exists(x, 1 / x == 1)"), true)
        expectBool(try eval("![0, 2].all(x, 1 / x == 1)"), true)
        #expect(try eval("[0, 1].all(x, 1 / x == 1)").isError)
    }

    @Test func arithmeticErrorsAreValues() throws {
        let bindings: [String: Value] = ["big": .int(Int64.max), "min": .int(Int64.min), "zero": .int(0)]
        #expect(try eval("big + 1", bindings).isError)
        #expect(try eval("min - 1", bindings).isError)
        #expect(try eval("min / -1", bindings).isError)
        #expect(try eval("min % -1", bindings).isError)
        #expect(try eval("1 / zero", bindings).isError)
        #expect(try eval("1 % zero", bindings).isError)
        if case .double(let d) = try eval("1.0 / dyn(0.0)") { #expect(d == .infinity) } else { Issue.record("expected inf") }
    }

    @Test func dynamicDispatchPicksTheOverloadAtRunTime() throws {
        let bindings: [String: Value] = ["x": .string("héllo"), "y": .list([.int(1), .int(2)]), "z": .int(3)]
        expectInt(try eval("size(x)", bindings), 5)
        expectInt(try eval("size(y)", bindings), 2)
        #expect(try eval("size(z)", bindings).isError)
        if case .string(let s) = try eval("x + '!'", bindings) { #expect(s == "héllo!") } else { Issue.record("concat") }
        #expect(try eval("z + '!'", bindings).isError)
        expectBool(try eval("z == 3.0 && z < 3.5 && 2u < z", bindings), true)
    }

    @Test func inOverConstantLists() throws {
        for (n, expected) in [(Value.int(7), true), (.uint(7), true), (.double(7.0), true), (.double(7.5), false),
                              (.int(21), false), (.string("7"), false)] {
            expectBool(try eval("n in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]", ["n": n]), expected)
        }
        expectBool(try eval("s in ['a', 'b', 1]", ["s": .string("b")]), true)
        expectBool(try eval("s in ['a', [1]]", ["s": .list([.int(1)])]), true)
        #expect(try eval("e in [1, 2]", ["e": .error(CELError("x"))]).isError)
    }

    @Test func fieldSelectionOnMaps() throws {
        var inner = CELMap()
        inner.insert(key: .string("tier"), value: .string("gold"))
        var outer = CELMap()
        outer.insert(key: .string("customer"), value: .map(inner))
        let bindings: [String: Value] = ["order": .map(outer)]
        expectBool(try eval("order.customer.tier == 'gold'", bindings), true)
        expectBool(try eval("has(order.customer.name)", bindings), false)
        guard case .error(let e) = try eval("order.customer.name", bindings) else {
            Issue.record("expected an error")
            return
        }
        #expect(e.message.contains("name"))
        #expect(e.offset == 14)
    }

    @Test func fieldPathsOverLongKeysAndLargeMaps() throws {
        let json = """
        {"a_rather_long_field_name": {"another_long_field_name_here": 7},
         "big": {"k0": 0, "k1": 1, "k2": 2, "k3": 3, "k4": 4, "k5": 5, "k6": 6, "k7": 7, "k8": 8, "k9": 9},
         "list": [{"a_rather_long_field_name": 1}, {"a_rather_long_field_name": 2}]}
        """
        let bindings = try variables(json: json)
        expectInt(try eval("a_rather_long_field_name.another_long_field_name_here", bindings), 7)
        expectInt(try eval("big.k9 + big.k0", bindings), 9)
        expectInt(try eval("list.map(x, x.a_rather_long_field_name)[1]", bindings), 2)
        #expect(try eval("big.k10", bindings).isError)
        #expect(try eval("list.all(x, x.missing == 1)", bindings).isError)
        expectBool(try eval("'prefix_' + 'a_rather_long' + '_field_name' == 'prefix_a_rather_long_field_name'"), true)
    }

    @Test func operandsReadInPlace() throws {
        let json = """
        {"s": "a string longer than fifteen bytes", "t": "abc", "n": 3, "x": 2.5,
         "m": {"name": "a string longer than fifteen bytes", "k": 4, "inner": {"d": 1.5}},
         "big": {"k0": "v0", "k1": 1, "k2": 2, "k3": 3, "k4": 4, "k5": 5, "k6": 6, "k7": 7, "k8": "v8"},
         "items": [{"q": 2, "s": "x"}, {"q": 5, "s": "y"}]}
        """
        let bindings = try variables(json: json)
        // Concatenation of places: long and short strings, fields, constants.
        expectString(try eval("s + '-' + t + m.name", bindings),
                     "a string longer than fifteen bytes-abca string longer than fifteen bytes")
        expectString(try eval("big.k0 + big.k8", bindings), "v0v8")
        // A computed part, and more than four parts.
        expectString(try eval("t + string(n) + t + t + t", bindings), "abc3abcabcabc")
        // A place that is not a string, or missing: the error, from the part that failed.
        #expect(try eval("t + n", bindings).isError)
        guard case .error(let missing) = try eval("t + m.nope", bindings) else {
            Issue.record("expected an error")
            return
        }
        #expect(missing.message.contains("nope"))
        #expect(missing.offset == 5)
        // Comparisons and arithmetic on places, constants and computed operands.
        expectBool(try eval("s == m.name && m.name == s && !(s != m.name)", bindings), true)
        expectBool(try eval("m.k > n && n < m.k && m.inner.d < x && x * 2.0 == 5.0", bindings), true)
        expectInt(try eval("m.k * n + (n + 1) * m.k - big.k7 % n", bindings), 27)
        expectBool(try eval("s.contains('fifteen') && m.name.startsWith('a str') && t.endsWith('bc')", bindings), true)
        #expect(try eval("m.nope > 1", bindings).isError)
        #expect(try eval("n + m.nope", bindings).isError)
        expectBool(try eval("m.name == 1", bindings), false)
        // Comprehension elements and fields on them.
        expectInt(try eval("items.filter(i, i.q > n && i.s == 'y').map(i, i.q * n)[0]", bindings), 15)
        expectBool(try eval("items.exists(i, i == {'q': 2, 's': 'x'})", bindings), true)
    }

    /// Repeated field paths are followed in place (no copy of the maps or the selected
    /// value), once: the first use keeps the address in a cursor of the frame, the others
    /// read it (a value in a local slot would cost a copy per use). A path that is not
    /// found is followed again at each use, for its error.
    @Test func repeatedVariablePathsAreFollowedInPlace() throws {
        guard case .map(let order) = try Value(json: #"{"customer": {"tier": "gold"}, "total": 1500.0, "none": null}"#) else {
            Issue.record("bad JSON")
            return
        }
        let bindings: [String: Value] = ["order": .map(order)]
        let rule = """
        order.customer.tier == 'platinum' ? order.total * 0.7 :
        order.customer.tier == 'gold' ? (order.total > 1000.0 ? order.total * 0.8 : order.total) : order.total
        """
        var env = Environment()
        env.declare(variable: "order")
        let program = try env.compile(Source(text: rule))
        #expect(program.core.shape.locals == 0)
        #expect(program.core.shape.cursors == 2)  // order.customer.tier and order.total
        if case .double(let d) = program.evaluate(bindings) { #expect(d == 1200.0) } else { Issue.record("rule") }
        // Each evaluation starts without cached addresses: other bindings, other results.
        guard case .map(let silver) = try Value(json: #"{"customer": {"tier": "silver"}, "total": 900.0}"#) else {
            Issue.record("bad JSON")
            return
        }
        if case .double(let d) = program.evaluate(["order": .map(silver)]) { #expect(d == 900.0) } else { Issue.record("silver") }
        if case .double(let d) = program.evaluate(bindings) { #expect(d == 1200.0) } else { Issue.record("again") }
        // A path read once gets no cursor; one in a comprehension shares the cursor of the others.
        #expect(try env.compile(Source(text: "order.total > 1.0 && order.customer.tier == 'gold'")).core.shape.cursors == 0)
        expectBool(try eval("order.total > 1.0 && [1, 2].all(x, order.total > double(x))", bindings), true)
        expectBool(try eval("[1, 2].all(x, order.total > 1000.0 && order.total < 2000.0 + double(x))", bindings), true)
        expectBool(try eval("order.none == null && order.none == null", bindings), true)
        let missing = try env.compile(Source(text: "order.missing == 1 || order.missing == 2"))
        guard case .error(let e) = missing.evaluate(bindings) else {
            Issue.record("expected an error")
            return
        }
        #expect(e.message.contains("missing"))
        #expect(e.offset == 5)
        // `has` tests a path without the cursors; the selections after it use them.
        expectBool(try eval("!has(order.customer.name) && order.customer.tier == 'gold' && order.customer.tier != 'x'",
                            bindings), true)
    }

    @Test func comprehensionsBuildResultsInPlace() throws {
        let items = Value.list((0..<20_000).map { .int(Int64($0)) })
        // In-place appends keep this linear (its speed is measured by the benchmarks, not
        // asserted here); the test checks the result over a large input.
        let result = try eval("items.map(i, i * 2).filter(x, x % 3 == 0)", ["items": items])
        guard case .list(let out) = result else {
            Issue.record("expected a list, got \(result)")
            return
        }
        #expect(out.count == 6667)
        #expect(out.last.map { $0.celEquals(.int(39_996)) } == true)
    }

    /// Results of `map`/`filter` are built in storage of the range's size; a range longer
    /// than `maxCollectionSize` fails when the result would pass it, and an element's error
    /// stops the loop with that error (the elements built so far are dropped).
    @Test func comprehensionResultsRespectTheCollectionLimit() throws {
        var env = Environment(limits: { var l = Limits(); l.maxCollectionSize = 3; return l }())
        env.declare(variable: "l")
        func run(_ text: String, _ l: Value = .list([])) throws -> Value {
            try env.compile(Source(text: text)).evaluate(["l": l])
        }
        #expect(try run("[1, 2, 3].map(x, x * 2) == [2, 4, 6]").celEquals(.bool(true)))
        #expect(try run("l.filter(x, x < 4)", .list((1...5).map { .int($0) })).celEquals(.list([.int(1), .int(2), .int(3)])))
        for text in ["l.map(x, x)", "l.filter(x, x < 5)", "size(l.map(x, x))", "l.filter(x, x > 0).size()"] {
            guard case .error(let e) = try run(text, .list((1...4).map { .int($0) })) else {
                Issue.record("\(text): no size limit")
                continue
            }
            #expect(e.message.contains("maxCollectionSize"), "\(text): \(e.message)")
        }
        for text in ["l.map(x, 10 / x)", "size(l.map(x, 10 / x))"] {
            guard case .error(let e) = try run(text, .list([.int(1), .int(0), .int(2)])) else {
                Issue.record("\(text): no error")
                continue
            }
            #expect(e.message.contains("divide by zero") || e.message.contains("division by zero"), "\(e.message)")
        }
        #expect(try run("l.map(x, x)", .list([])).celEquals(.list([])))
        #expect(try run("size(l.filter(x, x))", .list([])).celEquals(.int(0)))
    }

    /// `size` of a `map`/`filter` counts without building the list, with the same result,
    /// errors and cost as building it: every element and filter is still evaluated.
    @Test func sizeOfAComprehensionCountsLikeTheList() throws {
        let bindings = try variables(json: #"{"items": [{"q": 2}, {"q": 7}, {"q": 9}], "m": {"a": 1, "b": 2}}"#)
        let pairs = [
            ("size(items.filter(i, i.q > 5))", "items.filter(i, i.q > 5)"),
            ("items.map(i, i.q * 2).size()", "items.map(i, i.q * 2)"),
            ("size(items.filter(i, i.q > 1).map(i, i.q))", "items.filter(i, i.q > 1).map(i, i.q)"),
            ("size(m.filter(k, k == 'b'))", "m.filter(k, k == 'b')"),
            ("size(items.map(i, i.missing))", "items.map(i, i.missing)"),
            ("size(items.filter(i, i.q))", "items.filter(i, i.q)"),
            ("size(items.map(i, i.q / (i.q - 7)))", "items.map(i, i.q / (i.q - 7))"),
            ("size([1, 2].transformList(i, v, v * i))", "[1, 2].transformList(i, v, v * i)"),
        ]
        var env = Environment()
        for name in bindings.keys { env.declare(variable: name) }
        for (counted, built) in pairs {
            var countedBudget = CostBudget(Limits.default.maxCost), builtBudget = CostBudget(Limits.default.maxCost)
            let count = try env.compile(Source(text: counted)).evaluate(bindings, budget: &countedBudget)
            let list = try env.compile(Source(text: built)).evaluate(bindings, budget: &builtBudget)
            switch (count, list) {
            case (.int(let n), .list(let l)): #expect(Int(n) == l.count, "\(counted)")
            case (.error(let a), .error(let b)): #expect(a.message == b.message, "\(counted)")
            default: Issue.record("\(counted) is \(count), \(built) is \(list)")
            }
            #expect(countedBudget.remaining == builtBudget.remaining, "\(counted) costs other than \(built)")
        }
        // An error value that a host stored in a list is the result, as when building.
        let withError = Value.list([.int(1), .error(CELError("boom"))])
        var listEnv = Environment()
        listEnv.declare(variable: "l")
        for text in ["size(l.filter(x, true))", "size(l.map(x, x))", "l.filter(x, true)"] {
            guard case .error(let e) = try listEnv.compile(Source(text: text)).evaluate(["l": withError]) else {
                Issue.record("\(text): no error")
                continue
            }
            #expect(e.message == "boom")
        }
    }

    /// `size` of a string counts code points, read in place, with an ASCII fast path
    /// (`utf16.count` from the standard library's flag, below 64 bytes) and a scan for the
    /// rest; typed or `dyn`, function or method, variable or field; other values dispatch.
    @Test func sizeOfAStringCountsCodePoints() throws {
        let strings = ["", "abc", "héllo", "日本語", "🙂x", "e\u{301}", String(repeating: "a", count: 63),
                       String(repeating: "a", count: 64), String(repeating: "aé", count: 40), "a\u{0}b",
                       String(repeating: "🙂", count: 20) + "x"]
        var env = Environment()
        env.declare(variable: "s")
        env.declare(variable: "m")
        env.declare(variable: "typed", type: .string)
        for text in strings {
            let expected = Int64(text.unicodeScalars.count)
            let bindings: [String: Value] = ["s": .string(text), "typed": .string(text),
                                             "m": .map({ var m = CELMap(); m.insert(key: .string("f"), value: .string(text)); return m }())]
            for expr in ["size(s)", "s.size()", "size(m.f)", "size(typed)", "typed.size()", "size(s + '')"] {
                let result = try env.compile(Source(text: expr)).evaluate(bindings)
                #expect(result.celEquals(.int(expected)), "\(expr) of \(text.debugDescription): \(result)")
            }
        }
        // A substring's storage (not native) and a string built by appending are counted too.
        let built = String("xxhéllo world".dropFirst(2)) + "!"
        #expect(try env.compile(Source(text: "size(s)")).evaluate(["s": .string(built)]).celEquals(.int(12)))
        // Other values go to their overloads; errors keep the place of the failing step.
        #expect(try env.compile(Source(text: "size(s)")).evaluate(["s": .list([.int(1), .int(2)])]).celEquals(.int(2)))
        #expect(try env.compile(Source(text: "size(s)")).evaluate(["s": .int(1)]).isError)
        guard case .error(let e) = try env.compile(Source(text: "size(m.nope)")).evaluate(["m": .map(CELMap())]) else {
            Issue.record("expected an error")
            return
        }
        #expect(e.offset == 6)
        // Charged a unit per byte, as the library call.
        func cost(_ text: String) throws -> Int {
            var budget = CostBudget(Limits.default.maxCost)
            _ = try env.compile(Source(text: "size(s)")).evaluate(["s": .string(text)], budget: &budget)
            return Limits.default.maxCost - budget.remaining
        }
        #expect(try cost(String(repeating: "é", count: 50)) - cost("") == 100)
        var small = Limits()
        small.maxCost = 10
        var limited = Environment(limits: small)
        limited.declare(variable: "s")
        #expect(try limited.compile(Source(text: "size(s)")).evaluate(["s": .string(String(repeating: "a", count: 20))]).isError)
    }

    /// `x == 'c' ? a : b` and `x < 1.5 ? a : b` are fused nodes; they answer as the
    /// comparison and the conditional do: errors in `x` are the result, a value of
    /// another type is unequal (`==`) or compared across types or refused (`<`).
    @Test func conditionalsOnComparisonsWithConstants() throws {
        let bindings = try variables(json: #"{"m": {"s": "gold", "d": 2.5, "i": 2, "b": true}, "s": "gold"}"#)
        let cases: [(String, Value)] = [
            ("m.s == 'gold' ? 1 : 2", .int(1)), ("m.s != 'gold' ? 1 : 2", .int(2)),
            ("m.s == 'x' ? 1 : m.s == 'gold' ? 2 : 3", .int(2)), ("m.i == 'gold' ? 1 : 2", .int(2)),
            ("(s + '') == 'gold' ? 1 : 2", .int(1)), ("m.d > 1.5 ? 1 : 2", .int(1)), ("m.d <= 1.5 ? 1 : 2", .int(2)),
            ("m.i > 1.5 ? 1 : 2", .int(1)), ("(m.d * 2.0) >= 5.0 ? 1 : 2", .int(1)), ("m.i < 1.5 ? 1 : 2", .int(2)),
        ]
        for (text, expected) in cases {
            let result = try eval(text, bindings)
            #expect(result.celEquals(expected), "\(text): \(result)")
        }
        for (text, offset) in [("m.nope == 'gold' ? 1 : 2", 1), ("m.nope > 1.5 ? 1 : 2", 1)] as [(String, Int32)] {
            guard case .error(let e) = try eval(text, bindings) else {
                Issue.record("\(text): expected an error")
                continue
            }
            #expect(e.message.contains("nope") && e.offset == offset, "\(text): \(e)")
        }
        #expect(try eval("m.s > 1.5 ? 1 : 2", bindings).isError)
        #expect(try eval("m.b < 1.5 ? 1 : 2", bindings).isError)
    }

    @Test func twoVariableComprehensionsAndBindings() throws {
        expectBool(try eval("[10, 20].all(i, v, v == (i + 1) * 10)"), true)
        expectBool(try eval("{'a': 1, 'b': 2}.exists(k, v, k == 'b' && v == 2)"), true)
        expectBool(try eval("[1, 2, 3].existsOne(i, v, v > i + 1)"), false)
        expectBool(try eval("[1, 2, 3].transformList(i, v, v * i) == [0, 2, 6]"), true)
        expectBool(try eval("{'a': 1}.transformMap(k, v, v + 1) == {'a': 2}"), true)
        expectBool(try eval("cel.bind(x, 2, x * x) == 4"), true)
        expectBool(try eval("[[1, 2], [3]].map(l, l.map(x, x + 1)) == [[2, 3], [4]]"), true)
    }

    @Test func containersResolveQualifiedNames() throws {
        var env = Environment(container: "com.example")
        env.declare(variable: "com.example.x", type: .int)
        env.declare(variable: "y", type: .int)
        env.declare(variable: "a.b.c", type: .string)
        env.declare(variable: "a.b", type: .map(.string, .string))
        let program = try env.compile(Source(text: "x + y == 3 && a.b.c == 'long' && .y == 2"))
        var inner = CELMap()
        inner.insert(key: .string("c"), value: .string("short"))
        let result = program.evaluate(["com.example.x": .int(1), "y": .int(2), "a.b.c": .string("long"), "a.b": .map(inner)])
        expectBool(result, true)
        #expect(Set(program.variableNames) == ["com.example.x", "y", "a.b.c"])
    }

    @Test func compiledFunctionsShareTheCallersBudget() throws {
        var env = Environment()
        let source = Source(name: "fn.hl", text: "x * 2 + 1")
        let body = try env.parse(source).expr
        let double = try env.compileFunction(name: "twice", parameters: ["x"], body: body, in: source)
        expectInt(double.call([.int(20)]), 41)
        #expect(double.call([]).isError)
        env.declare(function: "math2.twice", compiled: double)
        env.declare(variable: "n", type: .int)
        let program = try env.compile(Source(text: "math2.twice(n) + [1, 2, 3].map(i, math2.twice(i))[2]"))
        expectInt(program.evaluate(["n": .int(1)]), 10)
        #expect(throws: CompileError.self) { try env.compile(Source(text: "math2.twice(1, 2)")) }
    }
}
