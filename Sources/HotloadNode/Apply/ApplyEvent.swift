import Foundation
import HotloadStore

/// Something the node did, for the host application (`Node.events`).
public enum ApplyEvent: Sendable {
    /// A release is now served. `changed` modules were fetched; `recompiled` counts the
    /// modules compiled (changed ones and their dependents); `duration` is from the
    /// wake-up to the swap, `at` the moment of the swap; `stale` when from the cache.
    case applied(release: Int64, previous: Int64?, changed: [String], removed: [String],
                 recompiled: Int, duration: Duration, stale: Bool, at: ContinuousClock.Instant)
    /// A release failed to compile or link here; the node keeps `kept`.
    case refused(release: Int64, kept: Int64?, errors: [NodeError])
    /// Reading from the database failed; the node keeps serving and retries.
    case databaseError(String)
    /// The listener connection is up (again) and LISTEN is in place.
    case listening
    /// The listener connection was lost; a reconnect is scheduled.
    case disconnected(String)
}
