import Foundation
import Testing
import CEL

@Suite("Parser")
struct ParserTests {
    @Test("operator precedence and associativity", arguments: [
        ("1 + 2 * 3", "_+_(1, _*_(2, 3))"),
        ("(1 + 2) * 3", "_*_(_+_(1, 2), 3)"),
        ("1 - 2 - 3", "_-_(_-_(1, 2), 3)"),
        ("8 / 4 % 3 * 2", "_*_(_%_(_/_(8, 4), 3), 2)"),
        ("a < b == c", "_==_(_<_(a, b), c)"),
        ("a + b in c", "@in(_+_(a, b), c)"),
        ("a || b && c", "_||_(a, _&&_(b, c))"),
        ("a && b || c && d", "_||_(_&&_(a, b), _&&_(c, d))"),
        ("a || b || c || d", "_||_(_||_(a, b), _||_(c, d))"),
        ("a ? b : c ? d : e", "_?_:_(a, b, _?_:_(c, d, e))"),
        ("a || b ? c : d", "_?_:_(_||_(a, b), c, d)"),
        ("!a && -b < c", "_&&_(!_(a), _<_(-_(b), c))"),
        ("!!a", "!_(!_(a))"),
        ("--a", "-_(-_(a))"),
        ("-a.b", "-_(a.b)"),
        ("a.b.c(d)[e]", "_[_](a.b.c(d), e)"),
        (".a.b", ".a.b"),
        ("f(a, b)(", "ERROR"),
        ("a <= b != c >= d", "_>=_(_!=_(_<=_(a, b), c), d)"),  // one relation level, left to right
        ("x > 1 && y < 2", "_&&_(_>_(x, 1), _<_(y, 2))"),
    ])
    func precedence(_ input: String, _ expected: String) {
        let result = parsed(input)
        if expected == "ERROR" {
            #expect(result.hasPrefix("ERROR"))
        } else {
            #expect(result == expected)
        }
    }

    @Test("number literals", arguments: [
        ("0", "0"), ("123", "123"), ("0x1F", "31"), ("0xffu", "255u"), ("42U", "42u"),
        ("18446744073709551615u", "18446744073709551615u"),
        ("9223372036854775807", "9223372036854775807"),
        ("-9223372036854775808", "-9223372036854775808"),
        ("-0x8000000000000000", "-9223372036854775808"),
        ("-5", "-5"), ("-5.abs()", "-5.abs()"), ("- 5", "-5"),
        ("1.5", "1.5"), ("1e3", "1000.0"), ("1.5E-2", "0.015"), (".5", "0.5"), ("-2.5", "-2.5"),
        ("2e+2", "200.0"),
    ])
    func numbers(_ input: String, _ expected: String) {
        #expect(parsed(input) == expected)
    }

    @Test("out-of-range and malformed numbers are E105", arguments: [
        "9223372036854775808", "--9223372036854775808", "18446744073709551616u",
        "0x10000000000000000", "1e400", "-1e999",
    ])
    func badNumbers(_ input: String) {
        #expect(parseErrors(input).first?.code == "E105")
    }

    @Test("string and bytes literals", arguments: [
        (#"'abc'"#, #""abc""#),
        (#""abc""#, #""abc""#),
        (#"'''a'b"c'''"#, #""a'b"c""#),
        (#""""x""""#, #""x""#),
        ("'''line1\nline2'''", "\"line1\nline2\""),
        ("'''a\r\nb'''", "\"a\nb\""),
        (#"'\a\b\f\n\r\t\v\\\?\"\'\`'"#, "\"\u{07}\u{08}\u{0C}\n\r\t\u{0B}\\?\"'`\""),
        (#"'\x41\X42\101\u0043\U00000044'"#, #""ABACD""#),
        (#"'\xFF\377'"#, "\"\u{FF}\u{FF}\""),
        (#"'\U0001F62C'"#, "\"\u{1F62C}\""),
        (#"r'\n\x'"#, #""\n\x""#),
        (#"R"\d+""#, #""\d+""#),
        (#"b'ab'"#, "b[97, 98]"),
        (#"b'\xff\377\000'"#, "b[255, 255, 0]"),
        (#"B"é""#, "b[195, 169]"),
        (#"br'\x'"#, "b[92, 120]"),
        (#"bR'\x'"#, "b[92, 120]"),
        ("'héllo 🌍'", "\"héllo 🌍\""),
        ("''", "\"\""),
    ])
    func strings(_ input: String, _ expected: String) {
        #expect(parsed(input) == expected)
    }

    @Test("invalid escapes and unterminated strings", arguments: [
        (#"'\q'"#, "E103", 2),
        (#"'\ud800'"#, "E103", 2),
        (#"'\uDFFF'"#, "E103", 2),
        (#"'\U00110000'"#, "E103", 2),
        (#"'\x4'"#, "E103", 2),
        (#"'\400'"#, "E103", 2),
        (#"'\08'"#, "E103", 2),
        (#"b'\u0041'"#, "E103", 3),
        ("'abc", "E104", 1),
        ("'ab\nc'", "E104", 1),
        ("'''abc", "E104", 1),
        ("x + \"abc", "E104", 5),
    ])
    func badStrings(_ input: String, _ code: String, _ column: Int) {
        let errors = parseErrors(input)
        #expect(errors.first?.code == code)
        #expect(errors.first?.location.column == column)
    }

    @Test("reserved words are refused as identifiers but allowed as fields and methods")
    func reservedWords() {
        for word in ["as", "break", "const", "continue", "else", "for", "function", "if", "import",
                     "let", "loop", "package", "namespace", "return", "var", "void", "while"] {
            #expect(parseErrors(word).first?.code == "E106", "\(word)")
            #expect(parseErrors("\(word)(1)").first?.code == "E106", "\(word)(1)")
            #expect(parsed("a.\(word)") == "a.\(word)")
            #expect(parsed("a.\(word)()") == "a.\(word)()")
        }
    }

    @Test("backquoted field names")
    func quotedFields() {
        #expect(parsed("m.`content-type`") == "m.content-type")
        #expect(parsed("m.`foo.txt`") == "m.foo.txt")
        #expect(parsed("has(m.`/api/v1`)") == "m./api/v1~test")
        #expect(parsed("m.?`a b`") == #"_?._(m, "a b")"#)
        #expect(parseErrors("m.`a+b`").first?.code == "E101")
        #expect(parseErrors("m.`ab").first?.code == "E101")
        #expect(parseErrors("`ab`").first?.code == "E102")
    }

    @Test("list and map literals, optional entries and trailing commas")
    func aggregates() {
        #expect(parsed("[]") == "[]")
        #expect(parsed("[1, 2,]") == "[1, 2]")
        #expect(parsed("[?a, b, ?c]") == "[?a, b, ?c]")
        #expect(parsed("{}") == "{}")
        #expect(parsed("{'a': 1, ?'b': x,}") == #"{"a": 1, ?"b": x}"#)
        #expect(parsed("a.?b.?c") == #"_?._(_?._(a, "b"), "c")"#)
        #expect(parsed("a[?0][1]") == "_[_](_[?_](a, 0), 1)")
        #expect(parsed("[,]").hasPrefix("ERROR"))
        #expect(parsed("f(1,)").hasPrefix("ERROR"))
        #expect(parsed("{1}").hasPrefix("ERROR"))
    }

    @Test("macros expand exactly like cel-go", arguments: [
        ("has(a.b)", "a.b~test"),
        ("l.all(x, x > 0)",
         "__comprehension__(x, l, @result, true, @not_strictly_false(@result), _&&_(@result, _>_(x, 0)), @result)"),
        ("l.exists(x, p)",
         "__comprehension__(x, l, @result, false, @not_strictly_false(!_(@result)), _||_(@result, p), @result)"),
        ("l.exists_one(x, p)",
         "__comprehension__(x, l, @result, 0, true, _?_:_(p, _+_(@result, 1), @result), _==_(@result, 1))"),
        ("l.existsOne(x, p)",
         "__comprehension__(x, l, @result, 0, true, _?_:_(p, _+_(@result, 1), @result), _==_(@result, 1))"),
        ("l.map(x, x * 2)",
         "__comprehension__(x, l, @result, [], true, _+_(@result, [_*_(x, 2)]), @result)"),
        ("l.map(x, p, t)",
         "__comprehension__(x, l, @result, [], true, _?_:_(p, _+_(@result, [t]), @result), @result)"),
        ("l.filter(x, p)",
         "__comprehension__(x, l, @result, [], true, _?_:_(p, _+_(@result, [x]), @result), @result)"),
        ("cel.bind(v, 1, v + v)",
         "__comprehension__(#unused, [], v, 1, false, v, _+_(v, v))"),
        ("m.all(k, v, p)",
         "__comprehension__(k, v, m, @result, true, @not_strictly_false(@result), _&&_(@result, p), @result)"),
        ("m.exists(k, v, p)",
         "__comprehension__(k, v, m, @result, false, @not_strictly_false(!_(@result)), _||_(@result, p), @result)"),
        ("m.existsOne(k, v, p)",
         "__comprehension__(k, v, m, @result, 0, true, _?_:_(p, _+_(@result, 1), @result), _==_(@result, 1))"),
        ("l.transformList(i, v, t)",
         "__comprehension__(i, v, l, @result, [], true, _+_(@result, [t]), @result)"),
        ("l.transformList(i, v, p, t)",
         "__comprehension__(i, v, l, @result, [], true, _?_:_(p, _+_(@result, [t]), @result), @result)"),
        ("m.transformMap(k, v, t)",
         "__comprehension__(k, v, m, @result, {}, true, @mapInsert(@result, k, t), @result)"),
        ("m.transformMap(k, v, p, t)",
         "__comprehension__(k, v, m, @result, {}, true, _?_:_(p, @mapInsert(@result, k, t), @result), @result)"),
        ("m.transformMapEntry(k, v, e)",
         "__comprehension__(k, v, m, @result, {}, true, @mapInsert(@result, e), @result)"),
        ("o.optMap(x, x + 1)",
         "_?_:_(o.hasValue(), optional.of(__comprehension__(#unused, [], x, o.value(), false, x, _+_(x, 1))), optional.none())"),
        ("o.optFlatMap(x, f(x))",
         "_?_:_(o.hasValue(), __comprehension__(#unused, [], x, o.value(), false, x, f(x)), optional.none())"),
        // Not macros: wrong arity, wrong receiver, leading dot.
        ("l.all(x)", "l.all(x)"),
        ("x.bind(v, 1, v)", "x.bind(v, 1, v)"),
        ("has(a.b, c)", "has(a.b, c)"),
        (".has(a.b)", ".has(a.b)"),
    ])
    func macros(_ input: String, _ expected: String) {
        #expect(parsed(input) == expected)
    }

    @Test("macros disabled leave plain calls")
    func macrosDisabled() {
        #expect(parsed("has(a.b)", macros: false) == "has(a.b)")
        #expect(parsed("l.all(x, x > 0)", macros: false) == "l.all(x, _>_(x, 0))")
        #expect(parsed("cel.bind(v, 1, v)", macros: false) == "cel.bind(v, 1, v)")
    }

    @Test("bad macro arguments are E107 at the argument", arguments: [
        ("has(a)", 5), ("has(a[0])", 6), ("l.all(1, true)", 7), ("l.map(x.y, x)", 8),
        ("m.all(k, k, true)", 10), ("m.transformMap(k, 2, 3)", 19), ("cel.bind(a.b, 1, 2)", 11),
        ("o.optMap(1, 2)", 10), ("l.filter(f(x), x)", 11),
    ])
    func badMacros(_ input: String, _ column: Int) {
        let errors = parseErrors(input)
        #expect(errors.first?.code == "E107")
        #expect(errors.first?.location.column == column)
    }

    @Test("node offsets follow cel-go: operators, '.', '(' and '[' tokens; literals at their start")
    func offsets() throws {
        let p = try CELParser.parse(Source(text: "a.b + f(x)[0]"))
        #expect(p.expr.offset == 4)  // '+'
        guard case .call(_, _, let args) = p.expr.kind else { Issue.record("not a call"); return }
        #expect(args[0].offset == 1)  // '.'
        #expect(args[1].offset == 10)  // '['
        guard case .call(_, _, let inner) = args[1].kind else { Issue.record("not an index"); return }
        #expect(inner[0].offset == 7)  // '(' of f(x)
        #expect(inner[1].offset == 11)  // literal 0
        let neg = try CELParser.parse(Source(text: "  -42"))
        #expect(neg.expr.offset == 2)
        let macro = try CELParser.parse(Source(text: "l.all(x, x)"))
        #expect(macro.expr.offset == 5)
    }

    @Test("node ids are unique and start at 1")
    func uniqueIDs() throws {
        for text in ["a.b + f(x)[0] * {1: [2, ?3]}.size()", "l.map(x, x * 2).filter(y, y > 1).all(z, z != 0)",
                     "o.optMap(v, {'k': v}[?'k'])", "cel.bind(a, [1, 2], a.exists(x, x == 1) || a.all(k, v, v > 0))"] {
            let p = try CELParser.parse(Source(text: text))
            let ids = allIDs(p.expr)
            #expect(Set(ids).count == ids.count, "\(text)")
            #expect(ids.min() ?? 0 >= 1)
            #expect(ids.max() ?? 0 <= p.maxID)
        }
    }

    @Test("error positions are exact, on any line")
    func errorPositions() {
        let errors = parseErrors("a +\n  b *\n    )")
        #expect(errors.first?.code == "E102")
        #expect(errors.first?.location.line == 3)
        #expect(errors.first?.location.column == 5)
        #expect(errors.first?.headline == "<expr>:3:5: error[E102]: unexpected ')', expected an expression")
        #expect(errors.first?.description.hasSuffix("\n      )\n      ^") == true)
        let unicode = parseErrors("'é' + #")
        #expect(unicode.first?.location.column == 7)
    }

    @Test("several errors are reported after recovery")
    func multipleErrors() {
        let errors = parseErrors("[1 2, f(,), '\\q', {'a' 1}]")
        #expect(errors.count == 4)
        #expect(errors.map(\.location.column) == [4, 9, 14, 24])
        let many = parseErrors("[" + String(repeating: "# ,", count: 100) + "]")
        #expect(many.count >= 10 && many.count <= 20)
    }

    @Test("nesting deeper than the limit is E402 and never overflows the stack", arguments: [
        String(repeating: "!", count: 100_000) + "true",
        String(repeating: "-", count: 100_000) + "1",
        String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000),
        String(repeating: "[", count: 100_000),
        String(repeating: "{1:", count: 50_000),
        String(repeating: "f(", count: 100_000),
        "a" + String(repeating: ".b", count: 100_000),
        "a" + String(repeating: "[0]", count: 100_000),
        "a" + String(repeating: ".f()", count: 100_000),
        Array(repeating: "1", count: 100_000).joined(separator: "+"),
        Array(repeating: "1", count: 100_000).joined(separator: " * "),
        Array(repeating: "a", count: 100_000).joined(separator: " < "),
        String(repeating: "a ? b : ", count: 50_000) + "c",
        String(repeating: "a ? (", count: 50_000),
        String(repeating: "x.map(y, ", count: 50_000),
    ])
    func depthLimit(_ input: String) {
        let errors = parseErrors(input)
        #expect(errors.first?.code == "E402")
    }

    @Test("the deepest accepted expressions parse on a 2 MB thread stack (debug builds need under 1 MB)")
    func stackBudget() async {
        let inputs = [("(", ")"), ("f(", ")"), ("[", "]"), ("{1: ", "}"), ("a[", "]"), ("x ? y : ", "")].map { open, close in
            String(repeating: open, count: 126) + "1" + String(repeating: close, count: 126)
        }
        let failures: [String] = await withCheckedContinuation { done in
            let thread = Thread {
                done.resume(returning: inputs.filter { !parseErrors($0).isEmpty })
            }
            thread.stackSize = 2 << 20
            thread.start()
        }
        #expect(failures.isEmpty)
    }

    @Test("long && / || chains are balanced and stay within the limit")
    func balancedChains() throws {
        let text = Array(repeating: "a", count: 10_000).joined(separator: " && ")
        let p = try CELParser.parse(Source(text: text))
        guard case .call(_, let function, _) = p.expr.kind else { Issue.record("not a call"); return }
        #expect(function == "_&&_")
    }

    @Test("nesting up to the limit is accepted; custom limits apply")
    func limitBoundary() {
        var limits = Limits()
        limits.maxNestingDepth = 10
        let nine = String(repeating: "!", count: 9) + "a"
        let eleven = String(repeating: "!", count: 11) + "a"
        #expect(parseErrors(nine, limits: limits).isEmpty)
        #expect(parseErrors(eleven, limits: limits).first?.code == "E402")
        #expect(parseErrors(String(repeating: "(", count: 9) + "1" + String(repeating: ")", count: 9), limits: limits).isEmpty)
        #expect(parseErrors("[[[[[[[[[[[[1]]]]]]]]]]]]").isEmpty)
    }

    @Test("sources larger than the limit are E401")
    func sourceSize() {
        var limits = Limits()
        limits.maxSourceBytes = 16
        #expect(parseErrors("1 + 2", limits: limits).isEmpty)
        #expect(parseErrors("'0123456789abcdef'", limits: limits).first?.code == "E401")
    }

    @Test("a large flat expression parses")
    func largeInput() throws {
        let text = "[" + (0..<100_000).map(String.init).joined(separator: ", ") + "]"
        let p = try CELParser.parse(Source(text: text))
        guard case .list(let elements, _) = p.expr.kind else { Issue.record("not a list"); return }
        #expect(elements.count == 100_000)
    }

    @Test("comments and whitespace")
    func comments() {
        #expect(parsed("1 + // one\n\t2 // two\r\n") == "_+_(1, 2)")
        #expect(parsed("// only a comment").hasPrefix("ERROR"))
        #expect(parsed("a /b") == "_/_(a, b)")
        #expect(parsed("\u{FEFF}1") == "1")
        #expect(parseErrors("1 \u{FEFF}").first?.code == "E101")
    }

    @Test("'=' gets a hint")
    func assignHint() {
        #expect(parseErrors("a = 1").first?.message.contains("use '==' to compare") == true)
    }

    @Test("ExpressionParser parses consecutive expressions with unique ids")
    func expressionParser() throws {
        let source = Source(text: "a + b\nfn f(x) = x * 2 let y = [1,\n 2]")
        var parser = ExpressionParser(source: source, options: .init())
        let first = try parser.parseExpression(from: 0)
        #expect(render(first.expr) == "_+_(a, b)")
        #expect(first.end == 5)
        let second = try parser.parseExpression(from: 16)
        #expect(render(second.expr) == "_*_(x, 2)")
        #expect(second.end == 21)
        let third = try parser.parseExpression(from: 30)
        #expect(render(third.expr) == "[1, 2]")
        let ids = allIDs(first.expr) + allIDs(second.expr) + allIDs(third.expr)
        #expect(Set(ids).count == ids.count)
        #expect(throws: CompileError.self) { _ = try parser.parseExpression(from: 14) }  // "= x * 2"
        let fourth = try parser.parseExpression(from: 16)
        #expect(Set(allIDs(fourth.expr)).isDisjoint(with: ids))
    }

    @Test("the lexer reads module headers")
    func lexer() {
        var lexer = Lexer(source: Source(text: "import a/b as c\n  fn f(x, y) = x"))
        var kinds: [Token.Kind] = []
        var firsts: [Bool] = []
        while true {
            let t = lexer.next()
            if t.kind == .end { break }
            kinds.append(t.kind)
            firsts.append(t.isFirstOnLine)
        }
        #expect(kinds == [.identifier("import"), .identifier("a"), .slash, .identifier("b"), .identifier("as"),
                          .identifier("c"), .identifier("fn"), .identifier("f"), .leftParen, .identifier("x"),
                          .comma, .identifier("y"), .rightParen, .assign, .identifier("x")])
        #expect(firsts[0] && firsts[6] && !firsts[1] && !firsts[7])
    }

    @Test("every expression of the conformance corpus parses")
    func corpus() throws {
        let dir = try #require(Bundle.module.resourceURL).appendingPathComponent("Data/conformance")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }
        #expect(files.contains("parse.json"))
        var count = 0
        for file in files {
            let data = try Data(contentsOf: dir.appendingPathComponent(file))
            let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            for section in root["sections"] as? [[String: Any]] ?? [] {
                for test in section["tests"] as? [[String: Any]] ?? [] {
                    let expr = try #require(test["expr"] as? String)
                    let macros = !(test["disable_macros"] as? Bool ?? false)
                    count += 1
                    if case .failure(let error) = parseResult(expr, macros: macros) {
                        Issue.record("\(file) \(section["name"] ?? "") \(test["name"] ?? ""): \(error)")
                    }
                }
            }
        }
        #expect(count > 1000)
    }
}
