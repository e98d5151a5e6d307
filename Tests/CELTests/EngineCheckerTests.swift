@testable import CEL
import Testing

/// The checker: name resolution, overloads, types and diagnostics.
@Suite struct EngineCheckerTests {
    func diagnostics(_ text: String, _ variables: [String: CELType] = [:]) -> [Diagnostic] {
        var env = Environment()
        for (name, type) in variables { env.declare(variable: name, type: type) }
        do {
            _ = try env.compile(Source(text: text))
            return []
        } catch {
            return error.diagnostics
        }
    }

    func type(_ text: String, _ variables: [String: CELType] = [:]) throws -> CELType {
        var env = Environment()
        for (name, type) in variables { env.declare(variable: name, type: type) }
        return try env.compile(Source(text: text)).resultType
    }

    @Test func undeclaredNamesAreReportedWithPositions() {
        let found = diagnostics("1 + vip_treshold")
        #expect(found.count == 1)
        #expect(found.first?.code == "E201")
        #expect(found.first?.location.column == 5)
        #expect(found.first?.headline == "<expr>:1:5: error[E201]: undeclared reference to 'vip_treshold'")
        #expect(diagnostics("nope(1) + also_nope").count == 2)
    }

    @Test func noMatchingOverload() {
        let found = diagnostics("1 + 'a'")
        #expect(found.map(\.code) == ["E202"])
        #expect(diagnostics("size(1)").map(\.code) == ["E202"])
        #expect(diagnostics("x.contains('a')", ["x": .int]).map(\.code) == ["E202"])
        #expect(diagnostics("[1].map(x, x + 'a')").map(\.code) == ["E202"])
    }

    @Test func unsupportedOperationsOnKnownTypes() {
        #expect(diagnostics("x.field", ["x": .int]).map(\.code) == ["E203"])
        #expect(diagnostics("x.all(i, i)", ["x": .int]).map(\.code) == ["E203"])
    }

    @Test func typesAreDeduced() throws {
        #expect(try type("1 + 2") == .int)
        #expect(try type("[1, 2]") == .list(.int))
        #expect(try type("[1, 'a']") == .list(.dyn))
        #expect(try type("{'a': 1.5}") == .map(.string, .double))
        #expect(try type("x.y", ["x": .map(.string, .bool)]) == .bool)
        #expect(try type("x.y", ["x": .dyn]) == .dyn)
        #expect(try type("int") == .type(.int))
        #expect(try type("type(1)") == .type(.int))
        let mapped = try type("[1, 2].map(x, x * 2)")
        #expect(mapped == .list(.dyn) || mapped == .list(.int))
        #expect(try type("[1, 2].all(x, x > 0)") == .bool)
        #expect(try type("true ? 1 : 2") == .int)
        #expect(try type("l[0]", ["l": .list(.string)]) == .string)
    }

    @Test func typeParametersUnify() {
        #expect(diagnostics("[1] + [2]").isEmpty)
        #expect(!diagnostics("[1] + ['a']").isEmpty)
        #expect(diagnostics("[1] + [dyn('a')]").isEmpty)
        #expect(diagnostics("{'a': 1}['a'] + 1").isEmpty)
    }

    @Test func uncheckedCompilationDefersErrorsToRunTime() throws {
        let env = Environment()
        let source = Source(text: "undeclared || true")
        let parsed = try env.parse(source)
        #expect(throws: CompileError.self) { try env.compile(parsed.expr, in: source) }
        let program = try env.compile(parsed.expr, in: source, checked: false)
        if case .bool(true) = program.evaluate() {} else { Issue.record("expected true") }
        let unbound = try env.compile(try env.parse(Source(text: "f(1)")).expr, in: Source(text: "f(1)"), checked: false)
        #expect(unbound.evaluate().isError)
    }

    @Test func comprehensionVariablesShadowGlobals() throws {
        var env = Environment(container: "ns")
        env.declare(variable: "ns.x", type: .int)
        let program = try env.compile(Source(text: "cel.bind(x, 'local', x == 'local')"))
        if case .bool(true) = program.evaluate(["ns.x": .int(1)]) {} else { Issue.record("shadowing failed") }
    }

    @Test func hostFunctionsAreCheckedAndCalled() throws {
        var env = Environment()
        env.declare(function: FunctionDecl(name: "shout", overloads: [
            Overload(id: "shout_string", params: [.string], result: .string, implementation: .unary { v in
                guard case .string(let s) = v else { return .noSuchOverload }
                return .string(s.uppercased() + "!")
            }),
        ]))
        let program = try env.compile(Source(text: "shout('hi')"))
        if case .string(let s) = program.evaluate() { #expect(s == "HI!") } else { Issue.record("shout") }
        #expect(program.core.constant == nil)  // host functions are never folded
        #expect(throws: CompileError.self) { try env.compile(Source(text: "shout(1)")) }
    }
}
