import CEL
import Foundation
import HotloadModules
import TestSupport
import Testing

/// `Limits.maxLinkCost`: all the lets and constant folding of one link share one cost
/// budget, so a release with many expensive lets is refused by a count (E413 at the
/// declaration that ran out), the same on every machine, however fast, and for a link and
/// a relink of the same modules alike.
@Suite("LinkCost")
struct LinkCostTests {
    /// A let that concatenates a 100,000-byte constant three times and takes its size:
    /// folded at compile time, about 1% of `Limits.maxCost` (charged by the byte), and
    /// quick, so that passing the link budget takes a fraction of a second.
    static let expensive = "size(_s + _s + _s)"

    /// `let _s = '…'` (100,000 bytes), `fn v() = 1`, then `count` expensive lets named
    /// `prefix0` … (`prefixK` is on line K + 3).
    static func expensiveLets(_ count: Int, prefix: String = "l") -> String {
        (["let _s = '\(String(repeating: "x", count: 100_000))'", "fn v() = 1"]
            + (0..<count).map { "let \(prefix)\($0) = \(Self.expensive)" }).joined(separator: "\n")
    }

    /// What one expensive let spends, measured by the engine itself.
    static func costOfOneLet() throws -> Int {
        var env = Environment()
        env.declare(constant: "_s", value: .string(String(repeating: "x", count: 100_000)))
        var budget = CostBudget(Limits.default.maxLinkCost)
        let program = try env.compile(try env.parse(Source(text: expensive)).expr, in: Source(text: expensive), budget: &budget)
        #expect(program.evaluate([:], budget: &budget).description == "300000")
        return Limits.default.maxLinkCost - budget.remaining
    }

    @Test("a thousand expensive lets are refused at the let that ran out, the same every run")
    func manyExpensiveLets() async throws {
        let perLet = try Self.costOfOneLet()
        #expect(perLet < Limits.default.maxCost)
        // Each let fits the per-evaluation budget; together they pass the link's.
        let ranOut = Limits.default.maxLinkCost / perLet
        let source = ModuleSource(name: "m", text: Self.expensiveLets(1000))
        let runs = await onSmallStack { [linkDiagnostics([source]), linkDiagnostics([source])] }
        let results = try #require(runs, "linking did not finish")
        #expect(results[0].map(\.headline) == results[1].map(\.headline))
        let d = try #require(results[0].first)
        #expect(results[0].count == 1)
        #expect(d.code == ModuleErrorCode.linkCostExceeded)
        // The let after the last that fits ran out.
        #expect(d.headline == "m.hl:\(ranOut + 3):5: error[E413]: linking ran out of its cost budget at let 'l\(ranOut)': "
            + "the lets and constant folding of one link may spend 100000000 cost units together (Limits.maxLinkCost); linking stopped here")
    }

    @Test("the budget is the link's, across modules, and a relink charges the modules it reuses")
    func sharedAcrossModulesAndRelink() throws {
        let perLet = try Self.costOfOneLet()
        var limits = Limits()
        limits.maxLinkCost = perLet * 5 + perLet / 2
        let linker = Linker(limits: limits)
        // Three lets in `z`, three in `a`: five and a half fit.
        let z = ModuleSource(name: "z", text: Self.expensiveLets(3, prefix: "z"))
        let a = ModuleSource(name: "a", text: Self.expensiveLets(3, prefix: "a"))
        let full = linkDiagnostics([z, a], limits: limits).map(\.headline)
        #expect(full.count == 1)
        #expect(full.first?.hasPrefix("z.hl:5:5: error[E413]: linking ran out of its cost budget at let 'z2'") == true)
        // `z` alone fits; adding `a` by a relink decides as the full link did.
        let snapshot = try linker.link([z])
        do {
            _ = try linker.relink(snapshot, changed: [a], removed: [])
            Issue.record("the relink passed the link budget")
        } catch {
            #expect(error.diagnostics.map(\.headline) == full)
        }
        // Either module alone links, by link and by relink.
        #expect(try linker.relink(try linker.link([a]), changed: [], removed: ["a"]).moduleNames.isEmpty)
    }

    @Test("constant folding in a function body spends the link's budget")
    func foldingSpendsTheBudget() {
        var limits = Limits()
        limits.maxLinkCost = 1000
        // `size` of a 100-byte constant is folded at compile time, charged by the byte.
        let letter = String(repeating: "x", count: 100)
        let calls = Array(repeating: "size(_s)", count: 20).joined(separator: " + ")
        let text = "let _s = '\(letter)'\nfn ok() = 1\nfn folded() = \(calls)"
        let diagnostics = linkDiagnostics([ModuleSource(name: "m", text: text)], limits: limits)
        #expect(diagnostics.map(\.headline) == [
            "m.hl:3:4: error[E413]: linking ran out of its cost budget at fn 'folded': the lets and constant folding of one link may spend 1000 cost units together (Limits.maxLinkCost); linking stopped here",
        ])
        // Under the default budget the same module links, folded.
        #expect(linkDiagnostics([ModuleSource(name: "m", text: text)]).isEmpty)
    }
}
