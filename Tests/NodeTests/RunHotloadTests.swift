import Foundation
import Testing

/// `runHotload`, the way every CLI test runs the real binary: the output is drained while
/// the program runs and no cooperative thread blocks on the program.
@Suite struct RunHotloadTests {
    /// More output than a pipe holds (64 KiB on Linux) arrives whole.
    @Test func largeOutputArrivesWhole() async throws {
        let size = 1 << 20
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("runhotload-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(#"{"s": "\#(String(repeating: "x", count: size))"}"#.utf8).write(to: file)
        let (status, output) = try await runHotload(["eval", "--expr", "s + s", "--input", file.path])
        #expect(status == 0)
        #expect(output == "\"" + String(repeating: "x", count: 2 * size) + "\"\n")
    }

    /// `hotload eval --expr -` reads the expression from standard input (on a thread of its own).
    @Test func evalReadsTheExpressionFromStandardInput() async throws {
        let (status, output) = try await runHotload(["eval", "--expr", "-"], input: Data("[1, 2].map(x, x * 21)".utf8))
        #expect(status == 0, "\(output)")
        #expect(output == "[21,42]\n")
    }
}
