import CoreMetrics
import HotloadStore
import Synchronization

/// The node's figures in swift-metrics, for whatever backend the host bootstrapped
/// (Prometheus, StatsD, OpenTelemetry): the counters and flags `NodeStatus` shows, sync
/// and apply durations, the apply lag, and calls by module, function and outcome
/// (`CallLabels`). Every handle is made once, from the factory the node was created with
/// (`MetricsSystem.factory` at `Node.init`: the bootstrapped one, or one bound with
/// `withMetricsFactory`), so a node never looks a metric up by name while it runs.
///
/// Counters and flags kept in `NodeState` are recorded by that state itself when they
/// change, so that `NodeStatus` and the backend never disagree; this type records what
/// `NodeState` does not hold (the applied release, durations, notifications received).
package final class NodeMetrics: Sendable {
    let applies: Counter
    let applyFailures: Counter
    let signatureRefusals: Counter
    let fastPathApplies: Counter
    let headReads: Counter
    let notifications: Counter
    let ignoredNotifications: Counter
    let appliedRelease: Gauge
    let stale: Gauge
    let listening: Gauge
    let databaseReachable: Gauge
    let trustFileError: Gauge
    let syncDuration: CoreMetrics.Timer
    let applyDuration: CoreMetrics.Timer
    let applyLag: CoreMetrics.Timer
    /// The per-function call handles and their cap.
    let calls: CallLabels

    /// The release the last notification for this node's channel announced, and when it
    /// first arrived; the lag is measured from there to that release's swap.
    private struct Announcement {
        var release: Int64
        var at: ContinuousClock.Instant
    }
    private let announced = Mutex<Announcement?>(nil)

    /// Makes every handle from `factory`; flags and the applied release start at 0.
    package init(factory: any MetricsFactory) {
        applies = Counter(label: "hotload_applies_total", factory: factory)
        applyFailures = Counter(label: "hotload_apply_failures_total", factory: factory)
        signatureRefusals = Counter(label: "hotload_signature_refusals_total", factory: factory)
        fastPathApplies = Counter(label: "hotload_fast_path_applies_total", factory: factory)
        headReads = Counter(label: "hotload_head_reads_total", factory: factory)
        notifications = Counter(label: "hotload_notifications_total", factory: factory)
        ignoredNotifications = Counter(label: "hotload_ignored_notifications_total", factory: factory)
        appliedRelease = Gauge(label: "hotload_applied_release", factory: factory)
        stale = Gauge(label: "hotload_stale", factory: factory)
        listening = Gauge(label: "hotload_listening", factory: factory)
        databaseReachable = Gauge(label: "hotload_database_reachable", factory: factory)
        trustFileError = Gauge(label: "hotload_trust_file_error", factory: factory)
        syncDuration = CoreMetrics.Timer(label: "hotload_sync_duration_seconds", factory: factory)
        applyDuration = CoreMetrics.Timer(label: "hotload_apply_duration_seconds", factory: factory)
        applyLag = CoreMetrics.Timer(label: "hotload_apply_lag_seconds", factory: factory)
        calls = CallLabels(factory: factory)
        for gauge in [appliedRelease, stale, listening, databaseReachable, trustFileError] { gauge.record(0) }
    }

    /// Counts a notification the listener received (any channel, any payload; nil when it
    /// did not parse) and, when it announces a release on `channel`, notes when that
    /// announcement first arrived.
    func received(_ notification: ReleaseNotification?, channel: String) {
        notifications.increment()
        guard let notification, notification.channel == channel else { return }
        let now = ContinuousClock.now
        announced.withLock { announced in
            if announced?.release != notification.release {
                announced = Announcement(release: notification.release, at: now)
            }
        }
    }

    /// A target read: an announcement of another release than the one this node should
    /// run is dropped (a rollout's candidate this node does not take, a forged payload), so
    /// that a later announcement of that release measures its lag from its own arrival.
    func targetRead(_ release: Int64?) {
        announced.withLock { announced in
            if let pending = announced, pending.release != release { announced = nil }
        }
    }

    /// Records a sync that started at `started` (the head read included) and ended now.
    func synced(since started: ContinuousClock.Instant) {
        syncDuration.record(ContinuousClock.now - started)
    }

    /// Records the swap of `loaded` at `swappedAt`: the applied release and stale flag, the
    /// apply duration (from `started`, when the sync or signed notification that applied
    /// it began), and the lag from the release's announcement when one preceded it.
    func swapped(to loaded: LoadedRelease, started: ContinuousClock.Instant, at swappedAt: ContinuousClock.Instant) {
        appliedRelease.record(loaded.release)
        stale.record(loaded.stale ? 1 : 0)
        applyDuration.record(swappedAt - started)
        let announcedAt = announced.withLock { announced -> ContinuousClock.Instant? in
            guard let pending = announced, pending.release <= loaded.release else { return nil }
            announced = nil
            return pending.release == loaded.release ? pending.at : nil
        }
        if let announcedAt { applyLag.record(swappedAt - announcedAt) }
    }
}

extension CoreMetrics.Timer {
    /// Records a non-negative `Swift.Duration`.
    func record(_ duration: Swift.Duration) {
        let (seconds, attoseconds) = duration.components
        recordNanoseconds(max(0, seconds) &* 1_000_000_000 &+ max(0, attoseconds) / 1_000_000_000)
    }
}
