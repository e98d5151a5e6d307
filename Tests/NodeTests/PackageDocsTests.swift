import Foundation
import Testing

/// `Package.swift` lists the Markdown files of each target (it cannot find them on disk:
/// SwiftPM caches the evaluated manifest by its text, and a listing computed while
/// evaluating went stale when a README was added, so clean builds warned about it). The
/// list must name exactly the `.md` files under each target's folder.
@Suite struct PackageDocsTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `docs` dictionary of `Package.swift`, parsed from its text.
    static func listed() throws -> [String: Set<String>] {
        let manifest = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let start = try #require(manifest.range(of: "let docs: [String: [String]] = ["))
        let end = try #require(manifest.range(of: "\n]\n", range: start.upperBound..<manifest.endIndex))
        let block = manifest[start.upperBound..<end.lowerBound]
        var result: [String: Set<String>] = [:]
        for entry in block.matches(of: /"([A-Za-z-]+)": \[([^\]]*)\]/) {
            result[String(entry.1)] = Set(entry.2.matches(of: /"([^"]+)"/).map { String($0.1) })
        }
        return result
    }

    @Test func everyTargetsMarkdownFilesAreListedAndNothingElse() throws {
        let listed = try Self.listed()
        #expect(!listed.isEmpty)
        let sources = Self.root.appendingPathComponent("Sources").path
        var found: [String: Set<String>] = [:]
        for target in try FileManager.default.contentsOfDirectory(atPath: sources) {
            let walker = try #require(FileManager.default.enumerator(atPath: sources + "/" + target))
            let markdown = walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".md") }
            if !markdown.isEmpty { found[target] = Set(markdown) }
        }
        #expect(found == listed, "Package.swift docs must list every .md file under Sources/<target>/")
    }
}
