import HotloadStore
import Synchronization

/// Turns the cumulative counters of the releases a node served (`CallStats`, one per
/// `LoadedRelease`) into per-release figures over the last `window`, for the heartbeat.
/// Runs only on the heartbeat path, never on the call path.
///
/// It keeps cumulative snapshots at most every `window / 12`; a report takes the newest
/// snapshot that is at least `window` old as its base (the oldest one while the node is
/// younger than the window), so the figures cover at least `window` and at most `window`
/// plus the gap between two snapshots (`window / 12` with the default 5 s heartbeat).
package final class CallMetricsWindow: Sendable {
    /// The window the figures cover.
    package let window: Duration

    private struct Snapshot {
        var at: ContinuousClock.Instant
        var totals: [ObjectIdentifier: CallStats.Totals]
    }
    private struct State {
        var tracked: [ObjectIdentifier: LoadedRelease] = [:]
        var history: [Snapshot]
    }
    private let state: Mutex<State>

    package init(window: Duration = .seconds(60), now: ContinuousClock.Instant = .now) {
        self.window = window
        state = Mutex(State(history: [Snapshot(at: now, totals: [:])]))
    }

    /// Counts `loaded`'s calls from now on (called when a release is swapped in; the
    /// report also picks up the current release by itself).
    package func track(_ loaded: LoadedRelease) {
        state.withLock { $0.tracked[ObjectIdentifier(loaded)] = loaded }
    }

    /// The figures of every release with calls in the window, and of `current` (also
    /// without calls), by release id; and the seconds they cover.
    package func report(current: LoadedRelease?, now: ContinuousClock.Instant = .now)
        -> (windowSeconds: Double, releases: [NodeCallMetrics]) {
        state.withLock { state in
            if let current { state.tracked[ObjectIdentifier(current)] = current }
            let totals = state.tracked.mapValues { $0.stats.totals() }
            let base = state.history.last(where: { now - $0.at >= window }) ?? state.history[0]
            var byRelease: [Int64: CallStats.Totals] = [:]
            for (id, loaded) in state.tracked {
                let delta = totals[id]! - (base.totals[id] ?? .zero)
                if delta.calls == 0 && loaded !== current {
                    // Idle for a whole window and no longer served: forget it.
                    if now - base.at >= window { state.tracked[id] = nil }
                    continue
                }
                byRelease[loaded.release] = (byRelease[loaded.release] ?? .zero) + delta
            }
            if let last = state.history.last, now - last.at >= window / 12 {
                state.history.append(Snapshot(at: now, totals: totals))
            }
            // Keep the newest snapshot at least a window old (the next base) and the newer ones.
            if let keep = state.history.lastIndex(where: { now - $0.at >= window }), keep > 0 {
                state.history.removeFirst(keep)
            }
            let seconds = max(0.001, min((now - base.at) / .seconds(1), 3600))
            let releases = byRelease.sorted { $0.key < $1.key }.prefix(32).map { release, delta in
                NodeCallMetrics(release: release, calls: delta.calls, errors: min(delta.errors, delta.calls),
                                p50Milliseconds: delta.percentileMilliseconds(0.5),
                                p99Milliseconds: delta.percentileMilliseconds(0.99))
            }
            return (seconds, releases)
        }
    }
}
