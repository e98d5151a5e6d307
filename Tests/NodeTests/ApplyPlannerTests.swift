import Testing
@testable import HotloadNode
import HotloadStore

@Suite struct ApplyPlannerTests {
    func entry(_ module: String, _ version: Int, _ sha: String? = nil) -> ManifestEntry {
        ManifestEntry(module: module, version: version, sha256: sha ?? "\(module)-\(version)")
    }

    @Test func headDecisions() {
        #expect(ApplyPlanner.decide(head: nil, applied: nil, refused: nil) == .nothing)
        #expect(ApplyPlanner.decide(head: nil, applied: 3, refused: nil) == .nothing)
        #expect(ApplyPlanner.decide(head: 3, applied: 3, refused: nil) == .nothing)
        #expect(ApplyPlanner.decide(head: 4, applied: 3, refused: 4) == .nothing)
        #expect(ApplyPlanner.decide(head: 5, applied: 3, refused: 4) == .fetch(release: 5))
        #expect(ApplyPlanner.decide(head: 1, applied: nil, refused: nil) == .fetch(release: 1))
        // A head below the applied one (a channel moved back) is applied too.
        #expect(ApplyPlanner.decide(head: 2, applied: 3, refused: nil) == .fetch(release: 2))
    }

    @Test func onlyChangedModulesAreFetched() {
        let current = ["a": entry("a", 1), "b": entry("b", 2), "c": entry("c", 1)]
        let plan = ApplyPlanner.plan(current: current, target: [entry("a", 1), entry("b", 3), entry("d", 1)])
        #expect(plan.changed == [entry("b", 3), entry("d", 1)])
        #expect(plan.removed == ["c"])
        #expect(plan.unchangedCount == 1)
        #expect(!plan.isContentUnchanged)
    }

    @Test func rollbackToOlderVersionsCountsAsChanged() {
        let current = ["a": entry("a", 5)]
        let plan = ApplyPlanner.plan(current: current, target: [entry("a", 2)])
        #expect(plan.changed == [entry("a", 2)])
    }

    @Test func identicalContentNeedsNoCompile() {
        let current = ["a": entry("a", 1), "b": entry("b", 1)]
        let plan = ApplyPlanner.plan(current: current, target: [entry("b", 1), entry("a", 1)])
        #expect(plan.isContentUnchanged)
        #expect(plan.unchangedCount == 2)
    }

    @Test func firstLoadFetchesEverything() {
        let plan = ApplyPlanner.plan(current: [:], target: [entry("x", 1), entry("y", 1)])
        #expect(plan.changed.count == 2)
        #expect(plan.removed.isEmpty)
    }
}
