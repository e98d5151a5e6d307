import Foundation
import HotloadStore
import Testing

@Suite struct CollectorTests {
    private func tree(_ files: [String: String]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hotload-tree-\(UUID().uuidString)")
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        return root.path
    }

    @Test func namesComeFromPathsRelativeToTheRoot() throws {
        let root = try tree(["billing/pricing.hl": "p", "billing/tax.hl": "t", "util.hl": "u",
                             "README.md": "not a module", ".git/x.hl": "hidden"])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let collected = try ModuleCollector.collect(paths: [root])
        #expect(collected.modules.map(\.name) == ["billing/pricing", "billing/tax", "util"])
        #expect(collected.modules[0].path == root + "/billing/pricing.hl")
        #expect(collected.onlyDirectories)
        let single = try ModuleCollector.collect(paths: [root + "/billing/tax.hl"], root: root)
        #expect(single.modules.map(\.name) == ["billing/tax"])
        #expect(!single.onlyDirectories)
    }

    @Test func badNamesAndBadBytesAreRefused() throws {
        let badName = try tree(["Billing/x.hl": "x"])
        defer { try? FileManager.default.removeItem(atPath: badName) }
        #expect(throws: StoreError.self) { try ModuleCollector.collect(paths: [badName]) }
        let badBytes = FileManager.default.temporaryDirectory.appendingPathComponent("hotload-bytes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: badBytes, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: badBytes) }
        try Data([0x66, 0xff, 0x0a]).write(to: badBytes.appendingPathComponent("m.hl"))
        #expect(throws: StoreError.self) { try ModuleCollector.collect(paths: [badBytes.path]) }
        #expect(throws: StoreError.self) { try ModuleCollector.collect(paths: ["/nonexistent/dir"]) }
    }
}
