import CEL
import HotloadModules
import Testing

/// The compile check of push, rm and rollback (`ReleaseCheck`) and the import graph it
/// shares with `rm` and `Snapshot.dependents` (`ImportGraph`).
@Suite struct ReleaseCheckTests {
    /// tax ← pricing ← invoice (invoice imports tax too), old ← legacy, and an unrelated module.
    static let modules = [
        ModuleSource(name: "tax", text: "fn rate() = 20\n"),
        ModuleSource(name: "pricing", text: "import tax\nfn total(x) = x + tax.rate()\n"),
        ModuleSource(name: "invoice", text: "import pricing\nimport tax\nfn due(x) = pricing.total(x) + tax.rate()\n"),
        ModuleSource(name: "old", text: "fn v() = 1\n"),
        ModuleSource(name: "legacy", text: "import old\nfn v() = old.v()\n"),
        ModuleSource(name: "other", text: "fn one() = 1\n"),
    ]

    @Test func importGraphAnswersWhoImportsWhom() {
        let graph = ImportGraph(Self.modules)
        #expect(graph.importers(of: "tax") == ["invoice", "pricing"])
        #expect(graph.importers(of: "invoice") == [])
        #expect(graph.dependents(of: ["tax"]) == ["tax", "pricing", "invoice"])
        #expect(graph.dependents(of: ["old", "other"]) == ["old", "legacy", "other"])
    }

    /// Moved from the node's planner (`ReleasePlan.affected`), which computed it on its own:
    /// the modules to check are the changed ones and everything importing them, directly or
    /// not, removed modules' importers too, but not the removed modules.
    @Test func checkedIncludesDependentsButNotRemoved() {
        let remaining = Self.modules.filter { $0.name != "old" }
        let outcome = ReleaseCheck().run(remaining, changed: ["tax"], deleted: ["old"])
        #expect(outcome.checked == ["invoice", "legacy", "pricing", "tax"])
        // legacy imports the removed module: that is the change's problem.
        #expect(outcome.diagnostics.map(\.code) == [ModuleErrorCode.unknownModule])
        #expect(outcome.diagnostics.first?.file == "legacy.hl")
    }

    @Test func oldProblemsOfUntouchedModulesAreNotTheChanges() {
        let broken = ModuleSource(name: "broken", text: "fn v() = nope\n")
        let outcome = ReleaseCheck().run(Self.modules + [broken], changed: ["other"], deleted: [])
        #expect(outcome.checked == ["other"])
        #expect(outcome.diagnostics.isEmpty)
        // A full link (what `hotload check` runs) reports it.
        #expect(Linker().diagnostics(Self.modules + [broken]).map(\.file) == ["broken.hl"])
        let touched = ReleaseCheck().run(Self.modules + [broken], changed: ["broken"], deleted: [])
        #expect(touched.diagnostics.map(\.file) == ["broken.hl"])
    }

    @Test func hostDeclarationsAreCheckedAgainst() throws {
        let caller = ModuleSource(name: "caller", text: "fn v() = round2(1.5)\n")
        let without = ReleaseCheck().run([caller], changed: ["caller"], deleted: [])
        #expect(without.diagnostics.map(\.file) == ["caller.hl"])
        let host = try HostEnvironment(declarationsJSON: Array(#"""
            {"functions": [{"name": "round2", "overloads": [{"params": ["double"], "result": "double"}]}]}
            """#.utf8))
        #expect(ReleaseCheck(host: host).run([caller], changed: ["caller"], deleted: []).diagnostics.isEmpty)
    }

    /// The link's cost budget (E413) is shared by every module: `z` alone fits, and `a`
    /// alone; together they do not, and changing `a` is refused though the budget runs out
    /// in `z`, which the change did not touch.
    @Test func linkCostRunsOutAnywhere() {
        func expensive(_ prefix: String) -> String {
            (["let _s = '\(String(repeating: "x", count: 100_000))'", "fn v() = 1"]
                + (0..<70).map { "let \(prefix)\($0) = size(_s + _s + _s)" }).joined(separator: "\n")
        }
        let z = ModuleSource(name: "z", text: expensive("z"))
        let a = ModuleSource(name: "a", text: expensive("a"))
        #expect(ReleaseCheck().run([z], changed: ["z"], deleted: []).diagnostics.isEmpty)
        #expect(ReleaseCheck().run([a], changed: ["a"], deleted: []).diagnostics.isEmpty)
        let outcome = ReleaseCheck().run([a, z], changed: ["a"], deleted: [])
        #expect(outcome.checked == ["a"])
        #expect(outcome.diagnostics.map(\.code) == [ModuleErrorCode.linkCostExceeded])
        #expect(outcome.diagnostics.first?.file == "z.hl")
    }
}
