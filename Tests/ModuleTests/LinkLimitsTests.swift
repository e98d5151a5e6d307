import CEL
import Foundation
import HotloadModules
import TestSupport
import Testing

/// The module layer's limits: call chains (`Limits.maxCallDepth`, checked at link time
/// within and across modules), a module's total syntax nodes (`Limits.maxNodes`), lets
/// under the evaluation limits, and the link's time limit. Check, link and call run on a
/// thread with a 512 KiB stack: none of them may recurse per function or per module.
@Suite("LinkLimits")
struct LinkLimitsTests {
    /// `fn f0(x) = x + 1` and `fn fK(x) = f{K-1}(x)` up to `count - 1`, one per line.
    static func chain(_ count: Int) -> String {
        (["fn f0(x) = x + 1"] + (1..<count).map { "fn f\($0)(x) = f\($0 - 1)(x)" }).joined(separator: "\n")
    }

    /// Modules `m0` … `m{count-1}`; each `mK` imports `m{K-1}` and calls its `f`.
    static func moduleChain(_ count: Int) -> [ModuleSource] {
        [ModuleSource(name: "m0", text: "fn f(x) = x + 1")]
            + (1..<count).map { ModuleSource(name: "m\($0)", text: "import m\($0 - 1) as prev\nfn f(x) = prev.f(x)") }
    }

    @Test("thousands of chained functions in one module: refused at the first one past the limit")
    func deepChainInOneModule() async throws {
        let result = await onSmallStack { linkDiagnostics([ModuleSource(name: "m", text: Self.chain(3000))]) }
        let diagnostics = try #require(result, "linking did not finish")
        #expect(diagnostics.count == 1)
        let d = try #require(diagnostics.first)
        // f64 is the 65th function of the chain: its call of f63 (at the parenthesis) is refused.
        #expect(d.code == CELErrorCode.callsTooDeep)
        #expect(d.headline.hasPrefix("m.hl:65:16: error[E405]: call chain too deep: m.f64 → m.f63 → "))
        #expect(d.message.contains("→ m.f0 is 65 calls deep, more than the limit of 64"))
    }

    @Test("a chain of a thousand modules: refused at the first module past the limit")
    func deepChainAcrossModules() async throws {
        let result = await onSmallStack { linkDiagnostics(Self.moduleChain(1000)) }
        let diagnostics = try #require(result, "linking did not finish")
        #expect(diagnostics.count == 1)
        let d = try #require(diagnostics.first)
        // At the call of m63.f (its parenthesis, as CEL locates calls).
        #expect(d.headline.hasPrefix("m64.hl:2:17: error[E405]: call chain too deep: m64.f → m63.f → "))
        #expect(d.message.contains("m0.f is 65 calls deep"))
    }

    @Test("the deepest allowed chain links and runs on a small stack, from a call and from a let")
    func deepestAllowedChain() async throws {
        let one = ModuleSource(name: "m", text: Self.chain(64) + "\nlet top = f63(1)")
        let across = Self.moduleChain(64) + [ModuleSource(name: "user", text: "import m63\nlet top = m63.f(1)")]
        let results = await onSmallStack { () -> [String] in
            [[one], across].map { sources in
                do {
                    let snapshot = try Linker().link(sources)
                    let module = sources.count == 1 ? "m" : "m63"
                    let function = sources.count == 1 ? "f63" : "f"
                    let called = try snapshot.call(module: module, function: function, args: [.int(41)])
                    let top = snapshot.modules[sources.count == 1 ? "m" : "user"]?.exportedLets["top"]
                    return "\(called) \(top.map { "\($0)" } ?? "-")"
                } catch {
                    return "\(error)"
                }
            }
        }
        #expect(results == ["42 2", "42 2"])
    }

    @Test("the call-depth limit is the configured one; relink checks chains through reused modules")
    func configuredDepthAndRelink() throws {
        var limits = Limits()
        limits.maxCallDepth = 3
        let base = [ModuleSource(name: "a", text: "fn one(x) = x\nfn two(x) = one(x)"),
                    ModuleSource(name: "b", text: "import a\nfn three(x) = a.two(x)")]
        let linker = Linker(limits: limits)
        let snapshot = try linker.link(base)
        #expect(try snapshot.call(module: "b", function: "three", args: [.int(7)]).celEquals(.int(7)))
        // `a` is reused as it is; the new module's chain goes through it.
        do {
            _ = try linker.relink(snapshot, changed: [ModuleSource(name: "c", text: "import b\nfn four(x) = b.three(x) + 1")],
                                  removed: [])
            Issue.record("a four-deep chain linked with maxCallDepth 3")
        } catch {
            #expect(error.diagnostics.map(\.headline) == [
                "c.hl:2:21: error[E405]: call chain too deep: c.four → b.three → a.two → a.one is 4 calls deep, more than the limit of 3 (Limits.maxCallDepth)",
            ])
        }
        // The deepest of several calls is the one reported (at `b.three(`); a shallower call is not.
        let branches = ModuleSource(name: "c", text: "import b\nfn four(x) = a1(x) + b.three(x)\nfn a1(x) = x")
        #expect(linkDiagnostics(base + [branches], limits: limits).map(\.location.column) == [29])
    }

    @Test("thousands of mutual recursions are each reported once, in time linear in the module")
    func manyCycles() async throws {
        // Finding one cycle, removing it and sorting again took 26 s for 5,000 pairs.
        let pairs = (0..<10_000).map { "fn a\($0)(x) = b\($0)(x)\nfn b\($0)(x) = a\($0)(x)" }
        let text = (pairs + ["fn ok(x) = x", "fn uses(x) = a0(x)"]).joined(separator: "\n")
        let result = await onSmallStack(timeout: .seconds(20)) { linkDiagnostics([ModuleSource(name: "m", text: text)]) }
        let diagnostics = try #require(result, "linking did not finish within the guard")
        #expect(diagnostics.count == 10_000)
        #expect(Set(diagnostics.map(\.code)) == ["E307"])
        #expect(diagnostics.last?.headline == "m.hl:19999:4: error[E307]: recursion is not allowed: cycle a9999 → b9999 → a9999 (every call must terminate)")
    }

    /// Source shapes whose cost was quadratic, each under the 1 MiB module limit; the guard
    /// is generous (each took from about 30 s to 3 min before, about a second now).
    static let linearShapes: [(name: String, sources: [ModuleSource], errors: Int)] = [
        // Duplicate parameters were looked for in the list of those before (3 min).
        ("100,000 parameters", [ModuleSource(name: "m", text: "fn f(" + (0..<100_000).map { "a\($0)" }.joined(separator: ", ") + ") = 1")], 0),
        // Each comprehension copied the set of all names in scope (6.5 s for 50,000 × 8,000).
        ("90,000 parameters and 20,000 comprehensions", [ModuleSource(name: "m", text: "fn f("
            + (0..<90_000).map { "a\($0)" }.joined(separator: ", ") + ") = ["
            + Array(repeating: "[1].map(i, i)", count: 20_000).joined(separator: ", ") + "]")], 0),
        // Every import declared every public name of the imported module (3.5 s for 300 imports).
        ("3,000 imports of a module with 20,000 functions", [
            ModuleSource(name: "big", text: (0..<20_000).map { "fn f\($0)(x) = x" }.joined(separator: "\n")),
            ModuleSource(name: "user", text: (0..<3000).map { "import big as b\($0)" }.joined(separator: "\n")
                + "\nfn g(x) = b0.f1(x) + b2999.f19999(x)"),
        ], 0),
        // Each dependency was looked for in the list of those before (50 s).
        ("60,000 imports of missing modules", [
            ModuleSource(name: "user", text: (0..<60_000).map { "import x\($0)" }.joined(separator: "\n") + "\nfn g(x) = x"),
        ], 60_000),
    ]

    @Test("checking and linking take time linear in the size of each module", arguments: 0..<4)
    func linearShapes(_ index: Int) async throws {
        let (name, sources, errors) = Self.linearShapes[index]
        let result = await onSmallStack(timeout: .seconds(20)) { linkDiagnostics(sources) }
        let diagnostics = try #require(result, "\(name): linking did not finish within the guard")
        #expect(diagnostics.count == errors, "\(name): \(diagnostics.prefix(3).map(\.headline))")
    }

    @Test("a group of functions that reach each other is one diagnostic, with one cycle through it")
    func cyclicGroup() {
        // a ⇄ b and c ⇄ d, joined by b → c and d → a: one group of four.
        let text = "fn a(x) = b(x)\nfn b(x) = a(x) + c(x)\nfn c(x) = d(x)\nfn d(x) = c(x) + a(x)\nfn e(x) = d(x)"
        #expect(linkDiagnostics([ModuleSource(name: "m", text: text)]).map(\.headline) == [
            "m.hl:1:4: error[E307]: recursion is not allowed: cycle a → b → a (every call must terminate)",
        ])
    }

    @Test("a module's expressions together are held to Limits.maxNodes")
    func moduleNodeLimit() throws {
        var limits = Limits()
        limits.maxNodes = 100
        // Each body has 5 nodes (`[1, 2, 3, 4]`): 20 of them fit, the 21st does not.
        let fits = (1...20).map { "let l\($0) = [1, 2, 3, 4]" }.joined(separator: "\n")
        #expect(ModuleParser.parse(ModuleSource(name: "m", text: fits), limits: limits).1.isEmpty)
        let tooMany = fits + "\nfn g(x) = [1, 2, 3, 4]\nlet after = nope("
        let (syntax, problems) = ModuleParser.parse(ModuleSource(name: "m", text: tooMany), limits: limits)
        #expect(syntax == nil)
        // One diagnostic, at the declaration that crossed the limit; nothing after it is read.
        #expect(problems.map(\.headline) == [
            "m.hl:21:4: error[E410]: module has more than 100 syntax nodes (Limits.maxNodes) with fn 'g'; split it into smaller modules",
        ])
    }

    @Test("a module under the size limit but over the default node limit is refused quickly")
    func defaultNodeLimit() async throws {
        // 300 lets of 1,000 list elements: 300,300 nodes in about 600 KB.
        let list = "[" + Array(repeating: "1", count: 1000).joined(separator: ",") + "]"
        let text = (0..<300).map { "let l\($0) = \(list)" }.joined(separator: "\n")
        #expect(text.utf8.count < Limits.default.maxSourceBytes)
        let result = await onSmallStack { linkDiagnostics([ModuleSource(name: "big", text: text)]) }
        let diagnostics = try #require(result, "linking did not finish")
        #expect(diagnostics.map(\.code) == [ModuleErrorCode.moduleTooLarge])
        #expect(diagnostics.first?.location.line == 250)
    }

    @Test("a let that burns the whole cost budget is a link error")
    func letBurningTheBudget() async throws {
        let text = """
        let _ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        let burn = _ten.map(a, _ten.map(b, _ten.map(c, _ten.map(d, _ten.map(e, _ten.map(f, _ten.map(g, a + b + c + d + e + f + g)))))))
        fn ok() = 1
        """
        let result = await onSmallStack { linkDiagnostics([ModuleSource(name: "m", text: text)]) }
        let diagnostics = try #require(result, "linking did not finish")
        #expect(diagnostics.map(\.code) == ["E308"])
        #expect(diagnostics.first?.message.hasPrefix("let 'burn' failed: ") == true)
    }

    @Test("linking stops at its time limit, at the let that went past it")
    func timeLimit() async throws {
        // Each let runs 100,000 iterations, a tenth of the budget: 60 of them take far
        // longer than the limit, so the link must stop early, wherever the machine is then.
        let ten = "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"
        let body = "\(ten).map(a, \(ten).map(b, \(ten).map(c, \(ten).map(d, \(ten).map(e, a + b + c + d + e)))))"
        let text = (0..<60).map { "let l\($0) = size(\(body))" }.joined(separator: "\n")
        let result = await onSmallStack(timeout: .seconds(60)) {
            linkDiagnostics([ModuleSource(name: "slow", text: text)], timeLimit: .milliseconds(300))
        }
        let diagnostics = try #require(result, "linking did not finish")
        #expect(diagnostics.map(\.code) == [ModuleErrorCode.linkTooSlow])
        let message = try #require(diagnostics.first?.message)
        // Where it stops depends on the machine: at a let, or (on a loaded machine that
        // parsed slowly) already at the module.
        #expect(message.hasPrefix("linking went past its time limit of 0.3 seconds at let 'l")
            || message.hasPrefix("linking went past its time limit of 0.3 seconds at module 'slow'"), "\(message)")
        // It stopped before the last let, however fast or loaded the machine is.
        #expect(!message.contains("let 'l59'"))
    }

    @Test("the time limit is read after every module parsed, and applies to relink")
    func timeLimitWhileParsing() throws {
        let sources = Self.moduleChain(10)
        let headlines = linkDiagnostics(sources, timeLimit: .zero).map(\.headline)
        #expect(headlines == ["m0.hl:1:1: error[E412]: linking went past its time limit of 0.0 seconds at module 'm0'; linking stopped here"])
        let snapshot = try Linker().link(sources)
        do {
            _ = try Linker().relink(snapshot, changed: [ModuleSource(name: "m5", text: "fn f(x) = x")], removed: [],
                                    timeLimit: .zero)
            Issue.record("relinked past a zero time limit")
        } catch {
            #expect(error.diagnostics.map(\.code) == [ModuleErrorCode.linkTooSlow])
        }
    }
}
