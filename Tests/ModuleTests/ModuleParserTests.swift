import Testing
import CEL
import HotloadModules

@Suite("ModuleParser")
struct ModuleParserTests {
    static let pricing = """
        // billing/pricing.hl
        import billing/tax              // alias `tax`
        import billing/shipping as ship
        let vip_threshold = 1000.0      // evaluated once per load
        fn discount(order) =
          order.total >= vip_threshold ? 0.10 : order.items.size() > 10 ? 0.05 : 0.0
        fn final_price(order) =
          order.total * (1.0 - discount(order)) * (1.0 + tax.rate(order.country))
        fn _helper() = [1,
          2].map(x, x * 2)
        let a = 1 let b = ship.cost
        """

    func parse(_ text: String) -> (ModuleSyntax?, [Diagnostic]) {
        ModuleParser.parse(ModuleSource(name: "billing/pricing", path: "rules/billing/pricing.hl", text: text))
    }

    func errors(_ text: String) -> [String] {
        parse(text).1.map { "\($0.location) \($0.code)" }
    }

    @Test("the design's example parses into imports, lets and functions")
    func example() throws {
        let (syntax, diagnostics) = parse(Self.pricing)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let s = try #require(syntax)
        #expect(s.source.name == "rules/billing/pricing.hl")
        #expect(s.imports.map(\.path) == ["billing/tax", "billing/shipping"])
        #expect(s.imports.map(\.alias) == ["tax", "ship"])
        #expect(s.source.location(of: Int(s.imports[0].offset)).description == "2:8")
        #expect(s.lets.map(\.name) == ["vip_threshold", "a", "b"])
        #expect(s.lets.map { render($0.expr) } == ["1000.0", "1", "ship.cost"])
        #expect(s.functions.map(\.name) == ["discount", "final_price", "_helper"])
        #expect(s.functions.map { $0.params.map(\.name) } == [["order"], ["order"], []])
        #expect(render(s.functions[1].body)
            == "_*_(_*_(order.total, _-_(1.0, discount(order))), _+_(1.0, tax.rate(order.country)))")
        #expect(render(s.functions[2].body).hasPrefix("__comprehension__(x, [1, 2]"))
        #expect(s.source.location(of: Int(s.functions[0].offset)).description == "5:4")
        #expect(s.source.location(of: Int(s.functions[0].params[0].offset)).description == "5:13")
    }

    @Test("node ids are unique across all bodies of a file")
    func uniqueIDs() throws {
        let s = try #require(parse(Self.pricing).0)
        let ids = s.lets.flatMap { allIDs($0.expr) } + s.functions.flatMap { allIDs($0.body) }
        #expect(Set(ids).count == ids.count)
    }

    @Test("an empty file or one with only comments is a module with nothing in it")
    func empty() throws {
        let s = try #require(parse("// nothing yet\n\n").0)
        #expect(s.imports.isEmpty && s.lets.isEmpty && s.functions.isEmpty)
        #expect(parse("").0 != nil)
    }

    @Test("all errors of a file are reported, each at its position")
    func allErrors() {
        let text = """
            import Billing/tax
            import a/tax
            import x/
            let x = 1 +
            let y = (2
            fn f(a, a) = a
            fn f(b) = b
            let f = 3
            fn g(x) = x x
            let as = 1
            garbage here
            fn h(x) = '\\q' + #
            let tax = 2
            fn k(x y) = 1
            let ok = 1
            """
        let (syntax, _) = parse(text)
        #expect(syntax == nil)
        #expect(errors(text) == [
            "1:8 E312", "2:8 E313", "3:10 E102", "5:1 E102", "6:1 E102", "6:9 E311", "7:4 E310", "8:5 E314",
            "9:13 E102", "10:5 E106", "11:1 E102", "12:12 E103", "12:18 E101", "13:5 E313", "14:8 E102",
        ])
    }

    @Test("a broken body does not swallow the next declaration")
    func recovery() {
        let errs = parse("let a = [1, 2\nfn f(x) = x +\nlet b = )\nfn g() = 1").1
        #expect(errs.map(\.location.line) == [2, 3, 3])
        #expect(errs[0].message.contains("'fn' at the start of a line"))
    }

    @Test("declaration syntax errors", arguments: [
        ("let = 1", "1:5 E102"),
        ("let x 1", "1:7 E102"),
        ("fn f = 1", "1:6 E102"),
        ("fn f(x,) = 1", "1:8 E102"),
        ("fn f(x) 1", "1:9 E102"),
        ("fn (x) = 1", "1:4 E102"),
        ("import", "1:7 E102"),
        ("import a/b as", "1:14 E102"),
        ("import a/b as c d", "1:17 E102"),
        ("import a/ /b", "1:11 E102"),
        ("import a//b\nimport a", "2:8 E313"),  // `//b` is a comment: `a` is imported twice
        ("import lib/in", "1:8 E106"),
        ("import a/9b", "1:10 E102"),
        ("import a/B", "1:10 E312"),
        ("import a/b as while", "1:15 E106"),
        ("x = 1", "1:1 E102"),
        ("let x = ", "1:9 E102"),
        ("fn f(let) = 1", "1:6 E106"),
        ("let x = 1\n  = 2", "2:3 E102"),
    ])
    func syntaxErrors(_ text: String, _ expected: String) {
        #expect(errors(text).first == expected)
    }

    @Test("import paths may use segments that are CEL keywords")
    func keywordSegments() throws {
        let s = try #require(parse("import lib/in as i\nimport lib/true as t").0)
        #expect(s.imports.map(\.path) == ["lib/in", "lib/true"])
        #expect(s.imports.map(\.alias) == ["i", "t"])
    }

    @Test("ModuleParser.imports reads imports leniently")
    func leniantImports() {
        let source = ModuleSource(name: "m", text: "import a/b\nlet x = (\nimport c/d as e\nimport a/b\nimport Bad/x\nfn f() = import")
        #expect(ModuleParser.imports(in: source) == ["a/b", "c/d"])
    }

    @Test("sources larger than the limit are E401")
    func sizeLimit() {
        var limits = Limits()
        limits.maxSourceBytes = 10
        let (syntax, errs) = ModuleParser.parse(ModuleSource(name: "m", text: "let x = 12345678"), limits: limits)
        #expect(syntax == nil)
        #expect(errs.map(\.code) == ["E401"])
    }

    @Test("a file full of errors is reported quickly, up to a cap")
    func manyErrors() {
        let errs = parse(String(repeating: "let\n", count: 100_000)).1
        #expect(errs.count == ModuleParser.maxDiagnostics)
        #expect(errs.first?.code == "E102")
    }

    @Test("deep nesting in a body is E402, not a crash")
    func depthLimit() {
        let text = "fn f() = " + String(repeating: "(", count: 10_000) + "\nlet y = 1"
        #expect(parse(text).1.first?.code == "E402")
    }

    @Test("module names from relative paths")
    func moduleNames() throws {
        #expect(try ModuleName.fromRelativePath("billing/pricing.hl") == "billing/pricing")
        #expect(try ModuleName.fromRelativePath("./a.hl") == "a")
        #expect(try ModuleName.fromRelativePath("_x/y_2/z.hl") == "_x/y_2/z")
        for bad in ["billing/pricing", "Billing/x.hl", "a//b.hl", "/a.hl", "a/.hl", "a/../b.hl", "a-b.hl",
                    "1a.hl", "a/b.hl.txt", ".hl", "é.hl"] {
            #expect(throws: ModuleNameError.self, "\(bad)") { try ModuleName.fromRelativePath(bad) }
        }
        #expect(ModuleName.validate("a/b_c/d9"))
        #expect(!ModuleName.validate(""))
        #expect(!ModuleName.validate("a/"))
        #expect(!ModuleName.validate("a b"))
        #expect(ModuleName.path(for: "a/b") == "a/b.hl")
        #expect(ModuleSource(name: "a/b", text: "").path == "a/b.hl")
    }

    @Test("random module text never crashes the parser")
    func fuzz() {
        let fragments = ["import", "let", "fn", "as", "a", "b/c", "/", "=", "(", ")", ",", "x", "1", "+", "\n",
                         " ", "'s'", "[", "]", "{", "}", ":", ".", "//c\n", "#", "é", "?", "map", "(x, x)"]
        var state: UInt64 = 0x1234_5678
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        for _ in 0..<3000 {
            var text = ""
            for _ in 0..<(next() % 30) { text += fragments[next() % fragments.count] + (next() % 2 == 0 ? " " : "") }
            let (syntax, errs) = parse(text)
            #expect((syntax == nil) != errs.isEmpty, "\(text.debugDescription)")
            _ = ModuleParser.imports(in: ModuleSource(name: "m", text: text))
        }
    }
}

private func render(_ expr: Expr) -> String { expr.debugDescription }

/// Every node id in the tree (map entries included), in visiting order.
private func allIDs(_ expr: Expr) -> [Int32] {
    var ids: [Int32] = []
    var stack = [expr]
    while let e = stack.popLast() {
        ids.append(e.id)
        switch e.kind {
        case .literal, .ident: break
        case .select(let operand, _, _): stack.append(operand)
        case .call(let target, _, let args):
            if let target { stack.append(target) }
            stack += args
        case .list(let elements, _): stack += elements
        case .map(let entries):
            for entry in entries {
                ids.append(entry.id)
                stack += [entry.key, entry.value]
            }
        case .comprehension(let c):
            stack += [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result]
        }
    }
    return ids
}
