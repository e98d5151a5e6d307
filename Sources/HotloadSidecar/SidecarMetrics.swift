import Foundation
import HotloadNode
import Synchronization

/// Counters and the call latency histogram behind `GET /metrics` (Prometheus text format).
final class SidecarMetrics: Sendable {
    /// How a call ended, as the `outcome` label.
    enum Outcome: String, CaseIterable, Sendable {
        case ok, notFound = "not_found", evaluationError = "evaluation_error",
             badRequest = "bad_request", tooLarge = "too_large", notLoaded = "not_loaded",
             unauthorized, busy
    }

    /// Upper bounds of the latency buckets, in seconds.
    static let buckets: [Double] = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001,
                                    0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]

    private struct State {
        var calls: [Outcome: Int] = [:]
        var bucketCounts = [Int](repeating: 0, count: SidecarMetrics.buckets.count)
        var count = 0
        var sum = 0.0
    }
    private let state = Mutex(State())

    /// Records one call.
    func record(_ outcome: Outcome, seconds: Double) {
        state.withLock { state in
            state.calls[outcome, default: 0] += 1
            state.count += 1
            state.sum += seconds
            if let index = SidecarMetrics.buckets.firstIndex(where: { seconds <= $0 }) {
                state.bucketCounts[index] += 1
            }
        }
    }

    /// The exposition text for the node's counters and these call metrics.
    func render(_ status: NodeStatus) -> String {
        let snapshot = state.withLock { $0 }
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ lines: [String]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for line in lines { out += line + "\n" }
        }
        metric("hotload_applies_total", "counter", "Releases applied since start.",
               ["hotload_applies_total \(status.applies)"])
        metric("hotload_apply_failures_total", "counter", "Releases refused (failed to compile) since start.",
               ["hotload_apply_failures_total \(status.failures)"])
        metric("hotload_applied_release", "gauge", "The release being served (0: none).",
               ["hotload_applied_release \(status.appliedRelease ?? 0)"])
        metric("hotload_stale", "gauge", "1 while serving a release from the offline cache.",
               ["hotload_stale \(status.stale ? 1 : 0)"])
        metric("hotload_head_reads_total", "counter", "Head reads since start (at most one per minimum sync interval).",
               ["hotload_head_reads_total \(status.headReads)"])
        metric("hotload_signature_refusals_total", "counter",
               "Releases refused since start because their signatures or source hashes did not verify.",
               ["hotload_signature_refusals_total \(status.signatureRefusals)"])
        metric("hotload_fast_path_applies_total", "counter",
               "Releases applied since start from a signed notification, without a database read.",
               ["hotload_fast_path_applies_total \(status.fastPathApplies)"])
        metric("hotload_ignored_notifications_total", "counter",
               "Signed notifications since start that did not decode, verify or follow the running release.",
               ["hotload_ignored_notifications_total \(status.ignoredNotifications)"])
        metric("hotload_trust_file_error", "gauge", "1 while the last change of the trust file was refused (the previous keys stay in force).",
               ["hotload_trust_file_error \(status.trustError == nil ? 0 : 1)"])
        metric("hotload_listening", "gauge", "1 while the listener connection has LISTEN in place.",
               ["hotload_listening \(status.listening ? 1 : 0)"])
        metric("hotload_calls_total", "counter", "Calls by outcome.",
               Outcome.allCases.map { "hotload_calls_total{outcome=\"\($0.rawValue)\"} \(snapshot.calls[$0] ?? 0)" })
        var cumulative = 0
        var histogram: [String] = []
        for (bound, count) in zip(SidecarMetrics.buckets, snapshot.bucketCounts) {
            cumulative += count
            histogram.append("hotload_call_duration_seconds_bucket{le=\"\(bound)\"} \(cumulative)")
        }
        histogram.append("hotload_call_duration_seconds_bucket{le=\"+Inf\"} \(snapshot.count)")
        histogram.append("hotload_call_duration_seconds_sum \(snapshot.sum)")
        histogram.append("hotload_call_duration_seconds_count \(snapshot.count)")
        metric("hotload_call_duration_seconds", "histogram", "Call latency (calls and evals).", histogram)
        return out
    }
}
