import Foundation
import HotloadModules
import Testing

/// The one `.hl` loader (moved from the store's CollectorTests when push started to use
/// it; `NodeTests/ModuleLoaderCLITests` runs `check` and `push` on the same trees).
@Suite struct ModuleFilesTests {
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
        let collected = try ModuleFiles.loadTree([root])
        #expect(collected.sources.map(\.name) == ["billing/pricing", "billing/tax", "util"])
        #expect(collected.sources[0].path == root + "/billing/pricing.hl")
        #expect(collected.onlyDirectories)
        let single = try ModuleFiles.loadTree([root + "/billing/tax.hl"], root: root)
        #expect(single.sources.map(\.name) == ["billing/tax"])
        #expect(!single.onlyDirectories)
    }

    @Test func badNamesAndBadBytesAreRefused() throws {
        let badName = try tree(["Billing/x.hl": "x"])
        defer { try? FileManager.default.removeItem(atPath: badName) }
        #expect(throws: ModuleFilesError.self) { try ModuleFiles.loadTree([badName]) }
        let badBytes = FileManager.default.temporaryDirectory.appendingPathComponent("hotload-bytes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: badBytes, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: badBytes) }
        try Data([0x66, 0xff, 0x0a]).write(to: badBytes.appendingPathComponent("m.hl"))
        #expect(throws: ModuleFilesError.self) { try ModuleFiles.loadTree([badBytes.path]) }
        #expect(throws: ModuleFilesError.self) { try ModuleFiles.loadTree(["/nonexistent/dir"]) }
    }

    /// Special files are refused before anything is read from them.
    @Test func linksToDevicesAreNotRead() throws {
        let root = try tree(["a.hl": "fn v() = 1\n"])
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createSymbolicLink(atPath: root + "/zero.hl", withDestinationPath: "/dev/zero")
        #expect(throws: ModuleFilesError(path: root + "/zero.hl", message: "is a symbolic link to a file outside \(root)")) {
            try ModuleFiles.loadTree([root])
        }
        // A FIFO named on the command line is refused, not waited on.
        #expect(mkfifo(root + "/pipe.hl", 0o644) == 0)
        #expect(throws: ModuleFilesError(path: root + "/pipe.hl", message: "is not a regular file")) {
            try ModuleFiles.loadTree([root + "/pipe.hl"], root: root)
        }
    }
}
