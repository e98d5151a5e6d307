import Foundation
import HotloadNode

extension PropagationBenchmark {
    /// One fleet's figures in the listener-less comparison (`runPolling`).
    package struct PollingResult: Sendable {
        /// The nodes' poll interval; nil for the listening reference fleet.
        package var pollInterval: Duration?
        package var nodes: Int
        package var releases: Int
        /// Commit → swap over every (node, release), in milliseconds.
        package var p50: Double
        package var p99: Double
        package var max: Double
        /// Target reads per node per second while the releases went out (polls included).
        package var readsPerNodeSecond: Double
        /// Database connections each node holds (measured in `pg_stat_activity`).
        package var connectionsPerNode: Double

        /// `propagation-poll nodes=N poll_ms=P p50_ms=X p99_ms=Y reads_per_node_s=R connections_per_node=C`,
        /// with `poll_ms=listen` for the listening fleet.
        package var line: String {
            let poll = pollInterval.map { Self.format(BenchMeasurement.milliseconds($0)) } ?? "listen"
            return "propagation-poll nodes=\(nodes) poll_ms=\(poll) p50_ms=\(Self.format(p50)) p99_ms=\(Self.format(p99)) "
                + "reads_per_node_s=\(Self.format(readsPerNodeSecond)) connections_per_node=\(Self.format(connectionsPerNode))"
        }

        static func format(_ value: Double) -> String { String(format: "%.2f", value) }
    }

    /// Commit → swap and the read cost of nodes that do not listen, one fleet per poll
    /// interval, next to a listening fleet of the same size in the same run: each fleet
    /// starts, follows `releases` releases committed one after the other (each once every
    /// node runs the previous one, after a random part of the poll interval so that commits
    /// fall anywhere in the poll cycle) and stops before the next one starts.
    package static func runPolling(database: String?, nodes: Int, releases: Int, pollIntervals: [Duration],
                                   progress: @Sendable (String) -> Void = { _ in }) async throws -> [PollingResult] {
        guard (1...2000).contains(nodes) else { throw Failure(description: "the node count must be between 1 and 2000") }
        guard (1...10_000).contains(releases) else { throw Failure(description: "the release count must be between 1 and 10000") }
        var results: [PollingResult] = []
        for pollInterval in [nil] + pollIntervals.map(Optional.some) {
            progress(pollInterval.map { "\(nodes) nodes polling every \($0), not listening" } ?? "\(nodes) listening nodes")
            let fleet = try await Fleet.start(database: database, count: nodes, heartbeatInterval: .seconds(600),
                                              pollInterval: pollInterval, progress: progress)
            do {
                let connections = try await fleet.connections()
                let before = try await fleet.counters()
                let started = ContinuousClock.now
                let (samples, _) = try await fleet.publishReleases(releases, after: fleet.firstRelease, phase: pollInterval)
                let after = try await fleet.counters()
                let seconds = BenchMeasurement.milliseconds(ContinuousClock.now - started) / 1000
                await fleet.stop()
                await fleet.close()
                let sorted = samples.sorted()
                results.append(PollingResult(
                    pollInterval: pollInterval, nodes: nodes, releases: releases,
                    p50: BenchMeasurement.percentile(sorted, 0.50), p99: BenchMeasurement.percentile(sorted, 0.99),
                    max: sorted.last ?? 0, readsPerNodeSecond: Double(after.reads - before.reads) / Double(nodes) / seconds,
                    connectionsPerNode: Double(connections) / Double(nodes)))
            } catch {
                await fleet.stop()
                await fleet.close()
                throw error
            }
        }
        return results
    }
}
