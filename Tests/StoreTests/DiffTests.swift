import HotloadStore
import Testing

@Suite struct DiffTests {
    /// Applies the hunks of a diff to the old text and returns the new one.
    private func apply(_ diff: FileDiff, to old: String) -> String {
        var lines = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var shift = 0
        for hunk in diff.hunks {
            var replacement: [String] = []
            for line in hunk.lines {
                switch line {
                case .context(let t), .added(let t): replacement.append(t)
                case .removed, .noNewlineAtEnd: break
                }
            }
            let start = (hunk.oldCount == 0 ? hunk.oldStart : hunk.oldStart - 1) + shift
            lines.replaceSubrange(start..<(start + hunk.oldCount), with: replacement)
            shift += hunk.newCount - hunk.oldCount
        }
        return lines.joined(separator: "\n")
    }

    @Test func identicalTextsHaveNoHunks() {
        #expect(FileDiff(module: "m", oldLabel: "a", newLabel: "b", old: "x\ny\n", new: "x\ny\n").isEmpty)
    }

    @Test func unifiedFormatWithContextAndSeparateHunks() {
        let old = (1...20).map { "line \($0)" }.joined(separator: "\n") + "\n"
        var newLines = (1...20).map { "line \($0)" }
        newLines[1] = "line two"
        newLines.insert("inserted", at: 15)
        let new = newLines.joined(separator: "\n") + "\n"
        let diff = FileDiff(module: "m", oldLabel: "a/m.hl", newLabel: "b/m.hl", old: old, new: new)
        #expect(diff.hunks.map(\.header) == ["@@ -1,5 +1,5 @@", "@@ -13,6 +13,7 @@"])
        #expect(diff.render().hasPrefix("--- a/m.hl\n+++ b/m.hl\n@@ -1,5 +1,5 @@\n line 1\n-line 2\n+line two\n"))
        #expect(apply(diff, to: old) == new)
    }

    @Test func missingFinalNewlineIsShown() {
        let diff = FileDiff(module: "m", oldLabel: "a", newLabel: "b", old: "a\nb", new: "a\nb\n")
        #expect(diff.render() == "--- a\n+++ b\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n")
    }

    @Test func additionsAndDeletionsOfWholeFiles() {
        let added = FileDiff(module: "m", oldLabel: "/dev/null", newLabel: "b", old: "", new: "x\ny\n")
        #expect(added.hunks.map(\.header) == ["@@ -0,0 +1,2 @@"])
        let removed = FileDiff(module: "m", oldLabel: "a", newLabel: "/dev/null", old: "x\n", new: "")
        #expect(removed.hunks.map(\.header) == ["@@ -1 +0,0 @@"])
    }

    @Test func minimalEditsOnRandomTexts() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let old = (0..<Int.random(in: 0...30, using: &generator))
                .map { _ in ["a", "b", "c", "d"].randomElement(using: &generator) ?? "a" }
            var new = old
            for _ in 0..<Int.random(in: 0...6, using: &generator) {
                if !new.isEmpty, Bool.random(using: &generator) {
                    new.remove(at: Int.random(in: 0..<new.count, using: &generator))
                } else {
                    new.insert("e", at: Int.random(in: 0...new.count, using: &generator))
                }
            }
            let oldText = old.map { $0 + "\n" }.joined(), newText = new.map { $0 + "\n" }.joined()
            let diff = FileDiff(module: "m", oldLabel: "a", newLabel: "b", old: oldText, new: newText)
            #expect(apply(diff, to: oldText) == newText)
            // Changed lines never exceed the lines touched by the edits themselves.
            let changed = diff.hunks.flatMap(\.lines).filter {
                if case .context = $0 { false } else { true }
            }.count
            #expect(changed <= old.count + new.count)
        }
    }

    @Test func largeDifferencesStayCorrect() {
        let old = (0..<5_000).map { "o\($0)\n" }.joined()
        let new = (0..<5_000).map { "n\($0)\n" }.joined()
        let diff = FileDiff(module: "m", oldLabel: "a", newLabel: "b", old: old, new: new)
        #expect(apply(diff, to: old) == new)
    }

    /// Beyond `Myers.maximumDistance` differences the search stops (its time and memory
    /// stay bounded whatever the input) and the part between the common prefix and suffix is
    /// one replaced block: a correct diff, not a minimal one.
    @Test func beyondTheDistanceCapTheMiddleIsOneReplacedBlock() {
        let old = (0..<3_000).map { "o\($0)\n" }
        var new = old
        for index in stride(from: 0, to: 3_000, by: 2) { new[index] = "n\(index)\n" }
        let oldText = old.joined(), newText = new.joined()
        let diff = FileDiff(module: "m", oldLabel: "a", newLabel: "b", old: oldText, new: newText)
        let lines = diff.hunks.flatMap(\.lines)
        #expect(diff.hunks.count == 1)
        #expect(lines.filter { if case .removed = $0 { true } else { false } }.count == 2_999)
        #expect(lines.filter { if case .added = $0 { true } else { false } }.count == 2_999)
        #expect(apply(diff, to: oldText) == newText)
    }
}
