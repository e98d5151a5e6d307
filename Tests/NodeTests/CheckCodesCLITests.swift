import Foundation
import HotloadModules
import Testing

/// `hotload check --json` labels every problem with a registered code: a file that cannot
/// be loaded is `ModuleErrorCode.unloadableFile` (E300), not a code of the CLI's own.
@Suite("hotload check codes")
struct CheckCodesCLITests {
    @Test func anUnloadableFileHasTheRegisteredCode() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("check-codes-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data([0x66, 0x6E, 0x20, 0xFF, 0xFE]).write(to: dir.appendingPathComponent("bad.hl"))
        let (status, output) = try await runHotload(["check", "--json", dir.path])
        #expect(status == 1, "\(output)")
        let items = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]], "\(output)")
        #expect(items.count == 1)
        #expect(items.first?["code"] as? String == ModuleErrorCode.unloadableFile)
        #expect(items.first?["code"] as? String == "E300")
        #expect((items.first?["message"] as? String)?.contains("UTF-8") == true, "\(output)")
    }
}
