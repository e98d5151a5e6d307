import Foundation
@testable import HotloadBench
import PostgresHarness
import Testing

/// `hotload bench` on the real binary: the subcommands and the earlier flag forms run the
/// same measurement and end with the same line.
@Suite struct BenchCLITests {
    static let quick = ["--iterations", "10", "--batches", "3", "--warmup", "1"]

    static func lastLine(_ output: String) -> String {
        output.split(separator: "\n").last.map(String.init) ?? ""
    }

    @Test func expressionSubcommandAndFlagFormPrintTheResultAndNsPerEval() async throws {
        for arguments in [["bench", "expr", "1 + 2"], ["bench", "--expr", "1 + 2"]] {
            let (status, output) = try await runHotload(arguments + Self.quick)
            #expect(status == 0, Comment(rawValue: output))
            #expect(output.contains("result: 3\n"), Comment(rawValue: output))
            #expect(output.contains("batches: 3 x 10 evaluations"), Comment(rawValue: output))
            #expect(Self.lastLine(output).hasPrefix("ns/eval: "), Comment(rawValue: output))
        }
    }

    @Test func functionSubcommandAndFlagFormCallTheLinkedModule() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("billing"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("fn double(x) = x * 2\n".utf8).write(to: dir.appendingPathComponent("billing/pricing.hl"))
        let input = dir.appendingPathComponent("input.json")
        try Data("[21]".utf8).write(to: input)
        for arguments in [["bench", "function", "billing/pricing", "double"],
                          ["bench", "--module", "billing/pricing", "--function", "double"]] {
            let (status, output) = try await runHotload(
                arguments + ["--modules", dir.path, "--input", input.path] + Self.quick)
            #expect(status == 0, Comment(rawValue: output))
            #expect(output.contains("function: billing/pricing.double\nresult: 42\n"), Comment(rawValue: output))
            #expect(Self.lastLine(output).hasPrefix("ns/eval: "), Comment(rawValue: output))
        }
    }

    @Test func noModeTwoModesAndBadSizesAreRefused() async throws {
        for arguments in [["bench"], ["bench", "--expr", "1", "--propagation"], ["bench", "--module", "m"],
                          ["bench", "propagation", "--nodes", "0"], ["bench", "--propagation", "--releases", "0"],
                          ["bench", "expr", "1", "--batches", "0"], ["bench", "propagation", "--rollouts", "2"],
                          ["bench", "propagation", "--abort", "--gate-interval", "0"],
                          ["bench", "propagation", "--abort", "--rollouts", "0"], ["bench", "--expr", "1", "--abort"],
                          ["bench", "--expr", "1", "--sign"], ["bench", "propagation", "--poll-interval", "100"],
                          ["bench", "propagation", "--no-listen", "--poll-interval", "99"],
                          ["bench", "propagation", "--no-listen", "--sign"], ["bench", "propagation", "--no-listen", "--abort"],
                          ["bench", "--expr", "1", "--no-listen"]] {
            let (status, output) = try await runHotload(arguments)
            #expect(status != 0, Comment(rawValue: arguments.joined(separator: " ") + ": " + output))
            #expect(output.contains("Error: "), Comment(rawValue: output))
        }
    }

    /// `bench diff`, small: one line per case and the machine-readable last line.
    @Test func diffSubcommandPrintsEachCaseAndTheRatios() async throws {
        let (status, output) = try await runHotload(["bench", "diff", "--lines", "200", "--edits", "5", "--rounds", "1"])
        #expect(status == 0, Comment(rawValue: output))
        for name in ["unchanged", "scattered", "all_changed", "reversed"] {
            #expect(output.contains("\(name): FileDiff "), Comment(rawValue: output))
        }
        #expect(Self.lastLine(output).hasPrefix("diff lines=200 unchanged="), Comment(rawValue: output))
        let (refused, message) = try await runHotload(["bench", "diff", "--edits", "20000", "--lines", "10"])
        #expect(refused != 0)
        #expect(message.contains("--edits must be"), Comment(rawValue: message))
    }

    /// `bench propagation --abort` on the real binary, small: the propagation lines, then
    /// the abort lines, every canary back on stable, and the machine-readable last line.
    /// (The flag form `--propagation --abort` calls the same `Propagation.run`.)
    @Test func propagationAbortModePrintsBothMeasurementsAndTheAbortLine() async throws {
        let url = try await TestDatabase.freshAsync()
        do {
            let (status, output) = try await runHotload(
                ["bench", "propagation", "--abort","--nodes", "3", "--releases", "2", "--rollouts", "2", "--gate-interval", "0.1", "--database", url],
                timeout: .seconds(120))
            #expect(status == 0, Comment(rawValue: output))
            #expect(output.contains("\npropagation nodes=3 p50_ms="), Comment(rawValue: output))
            #expect(output.contains("\nabort commit-to-stable over 2 rollouts x 1 canaries: p50 "), Comment(rawValue: output))
            #expect(output.contains("(3 failing evaluations, gate interval 100.00 ms)"), Comment(rawValue: output))
            #expect(output.contains("\ncanaries back on stable: 3 of 3\n"), Comment(rawValue: output))
            let last = Self.lastLine(output)
            #expect(last.hasPrefix("propagation-abort nodes=3 p50_ms=") && last.contains(" p99_ms=")
                    && last.contains(" gate_to_abort_ms=") && last.hasSuffix(" interval_ms=100.00"), Comment(rawValue: output))
        }
    }

    /// `bench propagation --no-listen`, small: a listening fleet, then a polling one, one
    /// line each with one connection per polling node and its polls counted as reads.
    @Test func propagationNoListenModeComparesListeningAndPollingNodes() async throws {
        let url = try await TestDatabase.freshAsync()
        let (status, output) = try await runHotload(
            ["bench", "propagation", "--no-listen", "--poll-interval", "100", "--nodes", "2", "--releases", "2", "--database", url],
            timeout: .seconds(120))
        #expect(status == 0, Comment(rawValue: output))
        let lines = output.split(separator: "\n").filter { $0.hasPrefix("propagation-poll ") }
        #expect(lines.count == 2, Comment(rawValue: output))
        #expect(lines.first?.hasPrefix("propagation-poll nodes=2 poll_ms=listen p50_ms=") == true, Comment(rawValue: output))
        #expect(lines.first?.hasSuffix(" connections_per_node=2.00") == true, Comment(rawValue: output))
        #expect(lines.last?.hasPrefix("propagation-poll nodes=2 poll_ms=100.00 p50_ms=") == true, Comment(rawValue: output))
        #expect(lines.last?.hasSuffix(" connections_per_node=1.00") == true, Comment(rawValue: output))
    }

    /// The median is the middle batch (the upper middle for an even count), as before the
    /// helper was shared; percentiles are nearest-rank.
    @Test func measurementReportsTheMedianBatch() {
        #expect(BenchMeasurement(iterations: 1, perCall: [1, 2, 3, 4]).median == 3)
        #expect(BenchMeasurement(iterations: 1, perCall: [1, 2, 3]).median == 2)
        #expect(BenchMeasurement.percentile([], 0.5) == 0)
        #expect(BenchMeasurement.percentile(Array(stride(from: 1.0, through: 100, by: 1)), 0.99) == 99)
        let measured = BenchMeasurement.run(iterations: 5, warmup: 0, batches: 4) { false }
        #expect(measured.iterations == 5 && measured.perCall.count == 4)
        #expect(measured.lines.last?.hasPrefix("ns/eval: ") == true)
    }
}
