import CoreMetrics
import Prometheus

/// The metrics backend of `hotload node`: one swift-prometheus registry and the
/// swift-metrics factory that writes into it. `hotload node` bootstraps `MetricsSystem`
/// with `factory` before it creates the node, so the node's figures and the sidecar's own
/// land in `registry`, which `GET /metrics` serves.
package struct PrometheusBackend: Sendable {
    package let registry: PrometheusCollectorRegistry
    package let factory: PrometheusMetricsFactory

    /// Call latencies are microseconds to a second; applies and syncs milliseconds to seconds.
    package init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        let calls: [Duration] = [.microseconds(10), .microseconds(25), .microseconds(50), .microseconds(100),
                                 .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2500),
                                 .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                 .milliseconds(100), .milliseconds(250), .seconds(1)]
        factory.durationHistogramBuckets = [
            "hotload_call_duration_seconds": calls,
            SidecarMetrics.durationLabel: calls,
        ]
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        self.factory = factory
    }

    /// `GET /metrics`: the registry in the Prometheus text format (version 0.0.4).
    func exposition() -> SidecarReply {
        SidecarReply(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: registry.emitToBuffer())
    }
}
