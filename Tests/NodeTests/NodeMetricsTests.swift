import CEL
import CoreMetrics
import Foundation
import HotloadModules
import HotloadNode
import HotloadStore
import MetricsTestKit
import Testing

/// The node's figures through swift-metrics, on a real database, read back from
/// MetricsTestKit's `TestMetrics`. Each test binds its own `TestMetrics` with
/// `withMetricsFactory` while it creates its node (the node keeps the factory it was
/// created with), so tests running in parallel never see each other's figures and nothing
/// bootstraps the process-wide `MetricsSystem`.
@Suite struct NodeMetricsTests {
    private static let calls = "hotload_calls_total"

    private func count(_ metrics: TestMetrics, _ module: String, _ function: String, _ outcome: String) -> Int64 {
        (try? metrics.expectCounter(Self.calls, [("module", module), ("function", function), ("outcome", outcome)]))?
            .totalValue ?? 0
    }

    private func total(_ metrics: TestMetrics, _ label: String) -> Int64 {
        (try? metrics.expectCounter(label))?.totalValue ?? 0
    }

    private func gauge(_ metrics: TestMetrics, _ label: String) -> Double? {
        (try? metrics.expectGauge(label))?.lastValue
    }

    @Test func appliesCallsByLabelAndRefusals() async throws {
        let fixture = try await NodeFixture.make()
        let first = try await fixture.push([
            "m": "fn ok(a) = a + 1\nfn fail(a) = a / 0\nfn spin(xs) = xs.map(x, xs.map(y, x * y))\nfn _hidden() = 1\n",
        ])
        var configuration = fixture.configuration(name: "metrics")
        configuration.limits.maxCost = 1_000
        let metrics = TestMetrics()
        let running = withMetricsFactory(metrics) { RunningNode.start(configuration) }
        try await running.waitFor(release: first)
        #expect(total(metrics, "hotload_applies_total") == 1)
        #expect(gauge(metrics, "hotload_applied_release") == Double(first))
        #expect(gauge(metrics, "hotload_stale") == 0)
        #expect(gauge(metrics, "hotload_database_reachable") == 1)
        #expect(total(metrics, "hotload_head_reads_total") >= 1)
        #expect(try metrics.expectTimer("hotload_apply_duration_seconds").values.count == 1)

        let loaded = try #require(running.node.current)
        #expect(try loaded.call(module: "m", function: "ok", args: [.int(1)]).celEquals(.int(2)))
        _ = try loaded.call(module: "m", function: "fail", args: [.int(1)])
        let spun = try loaded.call(module: "m", function: "spin", args: [.list((0..<100).map { .int($0) })])
        guard case .error(let stopped) = spun else { Issue.record("spin returned \(spun)"); return }
        #expect(stopped.isCostLimit, "\(stopped)")
        #expect(throws: CallError.self) { try loaded.call(module: "m", function: "ok", args: []) }
        for (module, function) in [("m", "nope"), ("m", "_hidden"), ("x/unknown", "f")] {
            #expect(throws: CallError.self) { try loaded.call(module: module, function: function, args: []) }
        }
        #expect(count(metrics, "m", "ok", "ok") == 1)
        #expect(count(metrics, "m", "ok", "wrong_arity") == 1)
        #expect(count(metrics, "m", "fail", "evaluation_error") == 1)
        #expect(count(metrics, "m", "spin", "cost_limit") == 1)
        #expect(count(metrics, "m", "spin", "evaluation_error") == 0)
        #expect(count(metrics, "_other", "_other", "not_found") == 3)
        #expect(try metrics.expectTimer("hotload_call_duration_seconds", [("module", "m"), ("function", "ok")]).values.count == 2)
        // Names a caller sent never become label values; private functions are not labeled.
        let labels = Set(metrics.counters(label: Self.calls).flatMap { $0.dimensions.map(\.1) })
        #expect(labels.isDisjoint(with: ["nope", "_hidden", "x/unknown", "f"]), "\(labels)")
        // The health figures the rollout gates judge count the same calls.
        let totals = loaded.stats.totals()
        #expect(totals.calls == 7 && totals.errors == 6)

        // A release announced by its notification: the lag from its arrival to the swap.
        try await running.waitUntil("listening") { gauge(metrics, "hotload_listening") == 1 }
        let second = try await fixture.push(["m": "fn ok(a) = a + 2\n"])
        try await running.waitFor(release: second)
        #expect(total(metrics, "hotload_notifications_total") >= 1)
        #expect(try metrics.expectTimer("hotload_apply_lag_seconds").values.count == 1)
        #expect(total(metrics, "hotload_applies_total") == 2)
        #expect(gauge(metrics, "hotload_applied_release") == Double(second))
        // Functions the release no longer exports lose their series.
        #expect(metrics.counters(label: Self.calls).allSatisfy { counter in
            !counter.dimensions.contains { $0 == ("function", "fail") || $0 == ("function", "spin") }
        })

        let broken = try await fixture.push(["m": "fn ok(a) = a +\n"], skipCheck: true)
        try await running.waitUntil("release \(broken) refused") { running.node.status.errorRelease == broken }
        #expect(total(metrics, "hotload_apply_failures_total") == 1)
        #expect(total(metrics, "hotload_signature_refusals_total") == 0)
        #expect(total(metrics, "hotload_applies_total") == 2)
        #expect(gauge(metrics, "hotload_applied_release") == Double(second))
        #expect(try metrics.expectTimer("hotload_sync_duration_seconds").values.count >= 2)
        await running.stop()
        #expect(gauge(metrics, "hotload_listening") == 0)
        await fixture.close()
    }

    @Test func fastPathAppliesSignatureRefusalsAndTrustErrorsAreRecorded() async throws {
        let fixture = try await NodeFixture.make()
        let key = SigningKey()
        let trust = try TrustFile([key])
        defer { trust.remove() }
        let signed = try await fixture.pushSigned(["m": "fn v() = 1"], by: [key])
        let metrics = TestMetrics()
        let running = withMetricsFactory(metrics) { RunningNode.start(fixture.configuration(name: "signed", trustFile: trust.path)) }
        try await running.waitFor(release: signed)
        try await running.waitUntil("listening") { gauge(metrics, "hotload_listening") == 1 }
        let fast = try await fixture.pushSigned(["m": "fn v() = 2"], by: [key], wakeup: .payload)
        try await running.waitFor(release: fast)
        #expect(running.node.status.fastPathApplies == 1)
        #expect(total(metrics, "hotload_fast_path_applies_total") == 1)
        #expect(try metrics.expectTimer("hotload_apply_lag_seconds").values.count == 1)
        let unsigned = try await fixture.push(["m": "fn v() = 3"])
        try await running.waitUntil("release \(unsigned) refused") { running.node.status.errorRelease == unsigned }
        #expect(total(metrics, "hotload_signature_refusals_total") == 1)
        #expect(total(metrics, "hotload_apply_failures_total") == 1)
        #expect(gauge(metrics, "hotload_applied_release") == Double(fast))
        #expect(gauge(metrics, "hotload_trust_file_error") == 0)
        chmod(trust.path, 0o666)
        #expect(throws: TrustReloadError.self) { try running.node.reloadTrust() }
        #expect(gauge(metrics, "hotload_trust_file_error") == 1)
        await running.stop()
        await fixture.close()
    }

    @Test func labelsAreCappedAcrossReleases() async throws {
        let fixture = try await NodeFixture.make()
        let limit = CallLabels.limit
        func module(_ range: Range<Int>) -> String {
            range.map { "fn f\(String(format: "%03d", $0))(a) = a\n" }.joined()
        }
        let first = try await fixture.push(["m": module(0..<limit + 2)])
        let metrics = TestMetrics()
        let running = withMetricsFactory(metrics) { RunningNode.start(fixture.configuration(name: "capped")) }
        try await running.waitFor(release: first)
        func labeled() -> Set<String> {
            Set(metrics.counters(label: "hotload_calls_total").compactMap { counter in
                counter.dimensions.first { $0.0 == "function" }.map(\.1)
            }).subtracting([CallLabels.other])
        }
        #expect(labeled() == Set((0..<limit).map { "f" + String(format: "%03d", $0) }))
        let loaded = try #require(running.node.current)
        _ = try loaded.call(module: "m", function: "f000", args: [.int(1)])
        _ = try loaded.call(module: "m", function: "f" + String(format: "%03d", limit + 1), args: [.int(1)])
        #expect(count(metrics, "m", "f000", "ok") == 1)
        #expect(count(metrics, "_other", "_other", "ok") == 1)

        // Ten functions go, twelve come: the ten freed slots go to the first ten new ones
        // in name order, and the series stay at the limit.
        let second = try await fixture.push(["m": module(10..<limit + 12)])
        try await running.waitFor(release: second)
        #expect(labeled() == Set((10..<limit + 10).map { "f" + String(format: "%03d", $0) }))
        await running.stop()
        await fixture.close()
    }
}
