import Foundation
import HotloadNode
import PostgresHarness
import Testing

@Suite struct PropagationBenchmarkTests {
    /// Runs the benchmark small (sizes from HOTLOAD_PROPAGATION_NODES / _RELEASES for
    /// manual measurements) and checks the shape of its result line.
    @Test func benchmarkMeasuresEveryNodeAndPrintsTheLine() async throws {
        let environment = ProcessInfo.processInfo.environment
        let nodes = environment["HOTLOAD_PROPAGATION_NODES"].flatMap(Int.init) ?? 3
        let releases = environment["HOTLOAD_PROPAGATION_RELEASES"].flatMap(Int.init) ?? 3
        let url = try await TestDatabase.freshAsync()
        let result = try await PropagationBenchmark.run(database: url, nodes: nodes, releases: releases)
        print(result.line, String(format: "max_ms=%.2f connections_per_node=%.1f", result.max, result.connectionsPerNode))
        #expect(result.line.hasPrefix("propagation nodes=\(nodes) p50_ms="))
        #expect(result.line.contains(" notify_p50_ms="))
        #expect(result.p50 > 0 && result.p99 >= result.p50)
        #expect(result.connectionsPerNode == 2)
    }
}
