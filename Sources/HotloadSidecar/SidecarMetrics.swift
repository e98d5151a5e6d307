import CoreMetrics

/// The sidecar's own figures, through swift-metrics: `POST /v1/call` and `POST /v1/eval`
/// requests by HTTP-level outcome (`hotload_http_calls_total{outcome}`) and their latency
/// (`hotload_http_call_duration_seconds`). Module calls by module, function and outcome
/// are the node's (`hotload_calls_total`); evals and requests refused before a call
/// started (unauthorized, too large, busy) are counted only here.
final class SidecarMetrics: Sendable {
    /// How a request ended, as the `outcome` label.
    enum Outcome: String, CaseIterable, Sendable {
        case ok, notFound = "not_found", evaluationError = "evaluation_error",
             badRequest = "bad_request", tooLarge = "too_large", notLoaded = "not_loaded",
             unauthorized, busy
    }

    /// The latency timer's label (`PrometheusBackend` gives it microsecond buckets).
    static let durationLabel = "hotload_http_call_duration_seconds"

    /// One counter per outcome, in `Outcome.allCases` order.
    private let requests: [Counter]
    private let duration: CoreMetrics.Timer

    init(factory: any MetricsFactory) {
        requests = Outcome.allCases.map {
            Counter(label: "hotload_http_calls_total", dimensions: [("outcome", $0.rawValue)], factory: factory)
        }
        duration = CoreMetrics.Timer(label: Self.durationLabel, factory: factory)
    }

    /// Records one request.
    func record(_ outcome: Outcome, seconds: Double) {
        requests[Outcome.allCases.firstIndex(of: outcome)!].increment()
        duration.recordSeconds(seconds)
    }
}
