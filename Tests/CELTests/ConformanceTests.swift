import CEL
import CELConformance
import Foundation
import Testing

/// Runs every corpus in `Data/conformance/` (google/cel-spec's simple tests as JSON) and
/// requires every test in it to pass.
@Suite struct ConformanceTests {
    static let files: [String] = {
        guard let dir = Bundle.module.url(forResource: "Data", withExtension: nil)?
            .appendingPathComponent("conformance"),
            let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
        return names.filter { $0.hasSuffix(".json") }.sorted()
    }()

    @Test func corpusIsPresent() {
        #expect(Self.files.count == 16)
    }

    @Test(arguments: files)
    func corpus(_ file: String) throws {
        let url = try #require(Bundle.module.url(forResource: "Data", withExtension: nil))
            .appendingPathComponent("conformance").appendingPathComponent(file)
        let bytes = try [UInt8](Data(contentsOf: url))
        let corpus = try ConformanceCorpus(name: String(file.dropLast(5)), json: bytes)
        let result = corpus.run()
        #expect(result.passed > 0)
        #expect(result.skipped == 0, "\(result.summary)")
        #expect(result.failed == 0, "\(result.summary)\n\(result.failures.map(\.description).joined(separator: "\n"))")
    }
}
