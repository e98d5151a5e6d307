import CEL
import Foundation
import HotloadModules
@testable import HotloadNode
import HotloadSidecar
import HotloadStore
import Hummingbird
import HummingbirdTesting
import Logging
import PQ
import Testing

/// Issue 10, health side, with a real node: calls through the node's call API (and so the
/// sidecar's `POST /v1/call`) are counted per release, the heartbeat reports them through
/// `hotload.node_report_metrics`, and the controller aborts a candidate whose calls fail.
@Suite("Rollout health")
struct RolloutHealthTests {
    @Test func latencyBucketsAndPercentiles() {
        // Buckets are exact below 8 ns, then at most 12.5% wide, and ordered.
        var previous = -1
        for nanoseconds: UInt64 in [0, 1, 7, 8, 9, 15, 16, 17, 1000, 1_000_000, 1 << 40, UInt64.max] {
            let bucket = CallStats.bucket(nanoseconds)
            #expect(bucket >= previous && bucket < CallStats.bucketCount)
            previous = bucket
            if nanoseconds < 1 << 40 {
                #expect(abs(CallStats.midpoint(bucket) - Double(nanoseconds)) <= max(0.5, Double(nanoseconds) / 8), "\(nanoseconds)")
            }
        }
        let stats = CallStats()
        for _ in 0..<98 { stats.record(nanoseconds: 1_000_000, failed: false) }
        stats.record(nanoseconds: 50_000_000, failed: true)
        stats.record(nanoseconds: 50_000_000, failed: true)
        let totals = stats.totals()
        #expect(totals.calls == 100 && totals.errors == 2)
        #expect(abs(totals.percentileMilliseconds(0.5) - 1) < 0.07, "\(totals.percentileMilliseconds(0.5))")
        #expect(abs(totals.percentileMilliseconds(0.99) - 50) < 3.2, "\(totals.percentileMilliseconds(0.99))")
    }

    @Test func theWindowCoversTheLastMinutePerRelease() throws {
        let start = ContinuousClock.now
        let window = CallMetricsWindow(window: .seconds(60), now: start)
        let snapshot = try Linker().link([])
        let old = LoadedRelease(release: 1, channel: "main", entries: [:], sources: [:], snapshot: snapshot, stale: false)
        let new = LoadedRelease(release: 2, channel: "main", entries: [:], sources: [:], snapshot: snapshot, stale: false)
        window.track(old)
        for _ in 0..<10 { old.stats.record(nanoseconds: 1000, failed: true) }
        var report = window.report(current: old, now: start + .seconds(5))
        #expect(report.releases.map(\.release) == [1] && report.releases[0].calls == 10 && report.releases[0].errors == 10)
        #expect(abs(report.windowSeconds - 5) < 0.01)
        // Swapped to release 2: both reported while release 1's calls are in the window.
        window.track(new)
        for _ in 0..<4 { new.stats.record(nanoseconds: 1000, failed: false) }
        report = window.report(current: new, now: start + .seconds(30))
        #expect(report.releases.map(\.release) == [1, 2] && report.releases.map(\.calls) == [10, 4])
        // A minute later release 1's calls left the window (and release 1 with them); the
        // current release is reported also without calls.
        report = window.report(current: new, now: start + .seconds(100))
        #expect(report.releases.map(\.release) == [2] && report.releases[0].calls == 0, "\(report)")
        // The base is the newest snapshot at least a window old (taken at 30 s).
        #expect(abs(report.windowSeconds - 70) < 0.01, "\(report.windowSeconds)")
    }

    @Test func aGateAbortsACandidateWhoseCallsFailByItself() async throws {
        let fixture = try await NodeFixture.make()
        let login = "ctl_operator_\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
        try await fixture.store.connection.execute("CREATE ROLE \(login) LOGIN IN ROLE hotload_operator")
        guard let at = fixture.url.range(of: "postgres@") else { throw FixtureError("unexpected test URL") }
        let operatorStore = try await Store.connect(ConnectionConfiguration(
            fixture.url.replacingCharacters(in: at, with: "\(login)@")))

        let stable = try await fixture.push(["calc": "fn pick(i) = [10, 20, 30][i]\n"])
        try await fixture.store.setChannelPolicy(channel: "main", requiredApprovals: 0,
                                                 steps: try RolloutStep.parse(list: "1,100%"), bakeSeconds: 3600,
                                                 gates: ["canary.error_rate <= stable.error_rate + 0.05"])
        // The candidate drops an element its callers index: calls with 2 fail.
        let candidate = try await fixture.push(["calc": "fn pick(i) = [10, 20][i]\n"])
        let rollout = try #require(try await fixture.store.activeRollout(channel: "main"))
        let running = RunningNode.start(fixture.configuration(name: "canary-node"))
        try await running.waitFor(release: stable)

        // The controller enters the first step (one node: this one), which then runs the candidate.
        let controller = RolloutController(configuration: ControllerConfiguration(minCanaryCalls: 20))
        #expect(try await controller.tick(operatorStore).map(\.kind) == [.leading, .step])
        try await running.waitFor(release: candidate)

        // Calls through the sidecar's route, which calls through the node's call API.
        let app = SidecarServer.application(node: running.node, host: "127.0.0.1", port: 0, limits: .default,
                                            logger: Logger(label: "health-test"))
        try await app.test(.router) { client in
            for index in 0..<40 {
                try await client.execute(uri: "/v1/call/calc/pick", method: .post,
                                         body: ByteBuffer(string: #"{"args": [\#(index % 4 == 0 ? 0 : 2)]}"#)) { _ in }
            }
        }
        let counted = try #require(running.node.current).stats.totals()
        #expect(counted.calls == 40 && counted.errors == 30, "\(counted.calls) calls, \(counted.errors) errors")

        // The heartbeat reports them (every 200 ms here).
        let deadline = ContinuousClock.now + .seconds(10)
        func reported() async throws -> Int64 {
            try await fixture.store.connection.query(
                "SELECT coalesce(sum(calls), 0)::bigint AS n FROM hotload.node_metrics WHERE release = $1",
                [.int(candidate)]).first?.decode("n", as: Int64.self) ?? 0
        }
        while try await reported() < 40 {
            guard ContinuousClock.now < deadline else { throw FixtureError("the node did not report its calls") }
            try await Task.sleep(for: .milliseconds(50))
        }

        var kinds: [[ControllerEvent.Kind]] = []
        for _ in 0..<3 { kinds.append(try await controller.tick(operatorStore).map(\.kind)) }
        #expect(kinds == [[.fail], [.fail], [.fail, .abort]], "\(kinds)")
        let status = try await fixture.store.rolloutStatus(rollout)
        #expect(status.phase == .aborted && status.endReason?.contains("canary.error_rate <= stable.error_rate + 0.05") == true,
                "\(status.phase) \(status.endReason ?? "")")
        let gates = try await fixture.store.rolloutLog(channel: "main", rollout: rollout).filter { $0.action == "gate" }
        #expect(gates.count == 3 && gates.allSatisfy { $0.detail.contains("\"error_rate\": 0.75") }, "\(gates.map(\.detail))")

        await running.stop()
        await operatorStore.connection.close()
        try await fixture.store.connection.execute("DROP ROLE \(login)")
        await fixture.close()
    }
}
