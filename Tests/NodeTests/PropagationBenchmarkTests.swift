import Foundation
import HotloadBench
import PostgresHarness
import Testing

@Suite struct PropagationBenchmarkTests {
    /// Runs the benchmark small (sizes from HOTLOAD_PROPAGATION_NODES / _RELEASES for
    /// manual measurements) and checks the shape of its result line.
    @Test func benchmarkMeasuresEveryNodeAndPrintsTheLine() async throws {
        let environment = ProcessInfo.processInfo.environment
        let manualNodes = environment["HOTLOAD_PROPAGATION_NODES"].flatMap(Int.init)
        let manualReleases = environment["HOTLOAD_PROPAGATION_RELEASES"].flatMap(Int.init)
        let nodes = manualNodes ?? 3
        let url = try await TestDatabase.freshAsync()
        let result = try await PropagationBenchmark.run(database: url, nodes: nodes, releases: manualReleases ?? 3)
        if manualNodes != nil || manualReleases != nil {
            // A manual measurement: show it (the default run only checks the shape).
            let details = String(format: "max_ms=%.2f connections_per_node=%.1f", result.max, result.connectionsPerNode)
            FileHandle.standardOutput.write(Data("\(result.line) \(details)\n".utf8))
        }
        #expect(result.line.hasPrefix("propagation nodes=\(nodes) p50_ms="))
        #expect(result.line.contains(" notify_p50_ms=") && result.line.contains(" fanout_p50_ms=")
                && result.line.contains(" readback_p50_ms="), "\(result.line)")
        #expect(result.p50 > 0 && result.p99 >= result.p50)
        #expect(result.fanOutP50 > 0 && result.fanOutP99 >= result.fanOutP50)
        #expect(result.fanOutReadP50 > 0 && result.fanOutReadP99 >= result.fanOutReadP50)
        #expect(result.connectionsPerNode == 2)
        #expect(!result.signed && result.fastPathShare == 0 && result.readsPerNodeRelease >= 1)
    }

    /// Signed: every release travels in its notification, and the nodes read nothing.
    @Test func signedReleasesReachNodesWithoutAnyRead() async throws {
        let url = try await TestDatabase.freshAsync()
        let result = try await PropagationBenchmark.run(database: url, nodes: 3, releases: 3, sign: true)
        #expect(result.signed && result.fastPathShare == 1 && result.readsPerNodeRelease == 0,
                "fast path \(result.fastPathShare), reads \(result.readsPerNodeRelease) per node and release")
        #expect(result.line.hasPrefix("propagation nodes=3 p50_ms="))
    }

    /// The abort mode, small: the canaries of every rollout (and of the gate's) end on the
    /// stable release, the controller aborts after three failing evaluations, and the line
    /// has its shape. Speed is reported, never asserted.
    @Test func abortModeReturnsEveryCanaryToStableAndPrintsTheLine() async throws {
        let url = try await TestDatabase.freshAsync()
        let result = try await PropagationBenchmark.runAbort(database: url, nodes: 3, releases: 2, rollouts: 2,
                                                             gateInterval: .milliseconds(100))
        let aborts = result.aborts
        #expect(aborts.rollouts == 2 && aborts.canaries == 1)
        #expect(aborts.canariesTotal == 3 && aborts.canariesOnStable == aborts.canariesTotal,
                "\(aborts.canariesOnStable) of \(aborts.canariesTotal) canaries on stable")
        #expect(aborts.failingEvaluations == 3)
        #expect(aborts.p50 > 0 && aborts.p99 >= aborts.p50 && aborts.max >= aborts.p99)
        #expect(aborts.gateToAbort > 0 && aborts.gateInterval == 100)
        #expect(result.propagation.line.hasPrefix("propagation nodes=3 p50_ms="))
        let line = result.line
        #expect(line.hasPrefix("propagation-abort nodes=3 p50_ms="), "\(line)")
        #expect(line.contains(" p99_ms=") && line.contains(" gate_to_abort_ms=") && line.hasSuffix(" interval_ms=100.00"), "\(line)")
    }
}
