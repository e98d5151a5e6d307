@testable import CEL
import Foundation
import Testing

/// Limits: cost budget, iteration cap, deep expressions, and concurrent evaluation.
@Suite struct EngineSafetyTests {
    @Test func costBudgetStopsRunawayEvaluation() throws {
        var limits = Limits()
        limits.maxCost = 10_000
        var env = Environment(limits: limits)
        env.declare(variable: "l")
        let program = try env.compile(Source(text: "l.map(x, l.map(y, x + y)).size()"))
        let list = Value.list((0..<1_000).map { .int(Int64($0)) })
        guard case .error(let e) = program.evaluate(["l": list]) else {
            Issue.record("expected the budget to be exceeded")
            return
        }
        #expect(e.message.contains("cost"))
        let small = Value.list((0..<10).map { .int(Int64($0)) })
        if case .int(10) = program.evaluate(["l": small]) {} else { Issue.record("small input should pass") }
    }

    @Test func iterationCapStopsNestedLoops() throws {
        var limits = Limits()
        limits.maxIterations = 5_000
        var env = Environment(limits: limits)
        env.declare(variable: "l")
        let program = try env.compile(Source(text: "l.all(x, l.all(y, l.all(z, x + y + z >= 0)))"))
        let list = Value.list((0..<100).map { .int(Int64($0)) })
        guard case .error(let e) = program.evaluate(["l": list]) else {
            Issue.record("expected the iteration cap to stop the loop")
            return
        }
        #expect(e.message.contains("iteration"))
    }

    /// `e || true` absorbs an error value, but not the budget running out: the limit stops
    /// the evaluation, it is not a value the expression may discard (cel-go interrupts it).
    @Test(arguments: ["l.map(x, l.map(y, x + y)).size() > 0 || true",
                      "true && l.map(x, l.map(y, x + y)).size() > 0 ? 1 : 1",
                      "l.all(x, !l.exists(y, x * y < 0)) || true",
                      "[l.map(x, l.map(y, x + y))].exists(z, true)"])
    func anExhaustedBudgetIsNotAbsorbed(_ text: String) throws {
        var limits = Limits()
        limits.maxCost = 10_000
        limits.maxIterations = 100_000
        var env = Environment(limits: limits)
        env.declare(variable: "l")
        let program = try env.compile(Source(text: text))
        let list = Value.list((0..<1_000).map { .int(Int64($0)) })
        guard case .error(let e) = program.evaluate(["l": list]) else {
            Issue.record("expected the budget to be exceeded: \(program.evaluate(["l": list]))")
            return
        }
        #expect(e.isCostLimit)
        let small = Value.list((0..<3).map { .int(Int64($0)) })
        #expect(!program.evaluate(["l": small]).isError)
    }

    @Test func iterationLimitIsNotAbsorbed() throws {
        var limits = Limits()
        limits.maxIterations = 50
        var env = Environment(limits: limits)
        env.declare(variable: "l")
        let program = try env.compile(Source(text: "l.exists(x, x < 0) || true"))
        let value = program.evaluate(["l": .list((0..<1_000).map { .int(Int64($0)) })])
        guard case .error(let e) = value else {
            Issue.record("expected the iteration limit: \(value)")
            return
        }
        #expect(e.isCostLimit)
    }

    @Test func compiledFunctionCallsCountAgainstTheCallersBudget() throws {
        var limits = Limits()
        limits.maxCost = 2_000
        var env = Environment(limits: limits)
        // f_k(x) = f_{k-1}(x) + f_{k-1}(x): 2^k calls, stopped by the shared budget.
        var previous: CompiledFunction?
        for k in 0..<24 {
            let text = previous == nil ? "x + 1" : "f\(k - 1)(x) + f\(k - 1)(x)"
            let source = Source(text: text)
            let f = try env.compileFunction(name: "f\(k)", parameters: ["x"], body: try env.parse(source).expr, in: source)
            env.declare(function: "f\(k)", compiled: f)
            previous = f
        }
        let program = try env.compile(Source(text: "f23(1)"))
        #expect(program.evaluate().isError)
        #expect(previous?.call([.int(1)]).isError == true)
    }

    @Test func deepExpressionsEvaluate() throws {
        let depth = 100
        let text = String(repeating: "(", count: depth) + "1" + String(repeating: " + 1)", count: depth)
        let program = try Environment().compile(Source(text: text))
        if case .int(let n) = program.evaluate() { #expect(n == Int64(depth + 1)) } else { Issue.record("deep") }
        let chain = (0..<500).map { _ in "x" }.joined(separator: " + ")
        var env = Environment()
        env.declare(variable: "x", type: .int)
        if let long = try? env.compile(Source(text: chain)) {
            if case .int(500) = long.evaluate(["x": .int(1)]) {} else { Issue.record("long chain") }
        }
        let tooDeep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: CompileError.self) { try Environment().compile(Source(text: tooDeep)) }
    }

    @Test func oneProgramFromManyThreads() async throws {
        var env = Environment()
        env.declare(variable: "items")
        env.declare(variable: "k")
        let program = try env.compile(Source(text: "items.map(i, i * k).filter(x, x % 2 == 0).size()"))
        let items = Value.list((0..<200).map { .int(Int64($0)) })
        let results = await withTaskGroup(of: Bool.self) { group in
            for t in 0..<8 {
                group.addTask {
                    let k = Int64(t % 2 == 0 ? 2 : 3)
                    var ok = true
                    for _ in 0..<200 {
                        let expected: Int64 = k == 2 ? 200 : 100
                        if case .int(let n) = program.evaluate(["items": items, "k": .int(k)]), n == expected { continue }
                        ok = false
                    }
                    return ok
                }
            }
            var all: [Bool] = []
            for await r in group { all.append(r) }
            return all
        }
        #expect(results.count == 8)
        #expect(results.allSatisfy { $0 })
    }
}
