import CEL
import Foundation
import HotloadModules
import HotloadStore
import Testing

/// The link's cost budget (`Limits.maxLinkCost`, E413) on the real `hotload` binary:
/// `hotload check` and `hotload push` refuse what nodes refuse, at the same let, the same
/// every run, in well under a second of linking.
@Suite struct LinkCostCLITests {
    /// `let _s = '…'` (100,000 bytes), `fn v() = 1`, then `count` lets named `prefix0` …,
    /// each concatenating `_s` three times (about 1% of `Limits.maxCost`, folded).
    static func expensiveLets(_ count: Int, prefix: String) -> String {
        (["let _s = '\(String(repeating: "x", count: 100_000))'", "fn v() = 1"]
            + (0..<count).map { "let \(prefix)\($0) = size(_s + _s + _s)" }).joined(separator: "\n")
    }

    /// The linker's own diagnostics for `modules` (name → source), the reference here.
    static func linkerHeadlines(_ modules: [String: String]) -> [String] {
        do {
            _ = try Linker().link(modules.map { ModuleSource(name: $0.key, text: $0.value) })
            return []
        } catch {
            return error.diagnostics.map(\.headline)
        }
    }

    static func directory(_ modules: [String: String]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("linkcost-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, text) in modules {
            try Data(text.utf8).write(to: dir.appendingPathComponent(name + ".hl"))
        }
        return dir
    }

    @Test func checkRefusesManyExpensiveLetsAtTheLetThatRanOut() async throws {
        let modules = ["m": Self.expensiveLets(1000, prefix: "l")]
        let expected = Self.linkerHeadlines(modules)
        #expect(expected.count == 1)
        let headline = try #require(expected.first)
        #expect(headline.hasPrefix("m.hl:"))
        #expect(headline.contains(":5: error[E413]: linking ran out of its cost budget at let 'l"))
        let dir = try Self.directory(modules)
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try await runHotload(["check", dir.path])
        let second = try await runHotload(["check", dir.path])
        #expect(first.status == 1)
        #expect(first.output.contains(headline), "\(first.output.prefix(500))")
        #expect(first.output.contains("1 error"))
        #expect(second.status == 1)
        #expect(second.output == first.output)
    }

    /// `z` alone fits the budget, and `a` alone; together they do not. Pushing `a` next to
    /// `z` is refused, though the budget runs out in `z`, a module the push did not touch.
    @Test func pushRefusesWhatNodesWouldRefuseForCost() async throws {
        let fixture = try await NodeFixture.make()
        let z = ["z": Self.expensiveLets(70, prefix: "z")]
        let a = ["a": Self.expensiveLets(70, prefix: "a")]
        #expect(Self.linkerHeadlines(z).isEmpty)
        #expect(Self.linkerHeadlines(a).isEmpty)
        let expected = Self.linkerHeadlines(z.merging(a) { first, _ in first })
        #expect(expected.count == 1)
        let headline = try #require(expected.first)
        #expect(headline.hasPrefix("z.hl:"))
        #expect(headline.contains("error[E413]"))

        let first = try Self.directory(z)
        let second = try Self.directory(a)
        defer {
            try? FileManager.default.removeItem(at: first)
            try? FileManager.default.removeItem(at: second)
        }
        let environment = ["HOTLOAD_DATABASE_URL": fixture.url]
        let pushedZ = try await runHotload(["push", first.path, "-m", "z"], environment: environment)
        #expect(pushedZ.status == 0, "\(pushedZ.output.prefix(500))")
        let head = try await fixture.store.head()
        #expect(head != nil)

        let pushedA = try await runHotload(["push", second.path, "-m", "a"], environment: environment)
        #expect(pushedA.status != 0)
        #expect(pushedA.output.contains(headline), "\(pushedA.output.prefix(500))")
        // Nothing was written.
        #expect(try await fixture.store.head() == head)
        await fixture.close()
    }
}
