import CEL
import Testing

/// `CostBudget`: cost shared by several compilations and evaluations, bounded by a count.
@Suite struct CostBudgetTests {
    /// 100,000 comprehension iterations: a tenth of `Limits.maxCost` or so.
    static let loop: String = {
        let ten = "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"
        return "size(\(ten).map(a, \(ten).map(b, \(ten).map(c, \(ten).map(d, \(ten).map(e, a + b + c + d + e))))))"
    }()

    @Test func evaluationsShareOneBudgetAndStopWhereItRunsOut() throws {
        let program = try Environment().compile(Source(text: Self.loop))
        var probe = CostBudget(Limits.default.maxCost)
        #expect(program.evaluate([:], budget: &probe).description == "10")
        let once = Limits.default.maxCost - probe.remaining
        #expect(once > 0)
        // Room for two and a half: the third evaluation is stopped, the budget exhausted.
        var budget = CostBudget(once * 5 / 2)
        #expect(program.evaluate([:], budget: &budget).description == "10")
        #expect(program.evaluate([:], budget: &budget).description == "10")
        #expect(!budget.isExhausted)
        guard case .error(let error) = program.evaluate([:], budget: &budget) else {
            Issue.record("the third evaluation ran past the shared budget")
            return
        }
        #expect(error.message.hasPrefix("shared cost budget exhausted"))
        #expect(budget.isExhausted)
        #expect(budget.remaining == 0)
    }

    @Test func compiledFunctionsSpendTheCallersBudgetUpToTheCallersLimit() throws {
        // The work hidden in a compiled function is held to what its caller may spend, not
        // to the function's own `maxCost` (before, a function compiled under the default
        // limits ran its whole loop for a caller limited to 1,000 units, and returned 10).
        let generous = Environment()
        let body = try generous.parse(Source(text: Self.loop))
        let burn = try generous.compileFunction(name: "burn", parameters: [], body: body.expr, in: Source(text: Self.loop))
        var limits = Limits()
        limits.maxCost = 1000
        var strict = Environment(limits: limits)
        strict.declare(function: "burn", compiled: burn)
        let program = try strict.compile(Source(text: "burn()"))
        #expect(program.evaluate().isError)
        // And to what a shared budget has left.
        var shared = Environment()
        shared.declare(function: "burn", compiled: burn)
        var budget = CostBudget(1000)
        #expect(try shared.compile(Source(text: "burn()")).evaluate([:], budget: &budget).isError)
        #expect(budget.isExhausted)
    }

    @Test func foldingSpendsTheBudgetAndLeavesWhatItCannotCoverToRunTime() throws {
        let text = "size('\(String(repeating: "x", count: 1000))' + 'y')"
        let source = Source(text: text)
        let env = Environment()
        let expr = try env.parse(source).expr
        // Enough: folded at compile time, nothing left to spend when evaluated.
        var enough = CostBudget(100_000)
        let folded = try env.compile(expr, in: source, budget: &enough)
        let spentFolding = 100_000 - enough.remaining
        #expect(spentFolding > 1000)
        #expect(folded.evaluate([:], budget: &enough).description == "1001")
        #expect(enough.remaining == 100_000 - spentFolding)
        // Too little: not folded, the budget exhausted; evaluating it later is still right.
        var scarce = CostBudget(10)
        let unfolded = try env.compile(expr, in: source, budget: &scarce)
        #expect(scarce.isExhausted)
        #expect(unfolded.evaluate().description == "1001")
    }
}
