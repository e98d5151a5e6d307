import Foundation
import HotloadStore

/// Something the node did, for the host application (`Node.events`).
public enum ApplyEvent: Sendable {
    /// A release is now served.
    case applied(Applied)
    /// A release failed to compile or link here; the node keeps the one it served.
    case refused(Refused)
    /// Reading from the database failed; the node keeps serving and retries.
    case databaseError(String)
    /// The listener connection is up (again) and LISTEN is in place.
    case listening
    /// The listener connection was lost; a reconnect is scheduled.
    case disconnected(String)

    /// A release that the node swapped in.
    public struct Applied: Sendable {
        /// The release now served.
        public let release: Int64
        /// The release served before the swap; nil when it is the node's first.
        public let previous: Int64?
        /// The modules (names) fetched because their content differs from `previous`.
        public let changed: [String]
        /// The modules (names) in `previous` that this release no longer has.
        public let removed: [String]
        /// How many modules were compiled: the changed ones and everything that imports
        /// them (the linker's own count); 0 when only the release number moved.
        public let recompiled: Int
        /// From the wake-up (notification, poll or start) to the swap.
        public let duration: Duration
        /// True when the release came from the local cache because the database was not
        /// reachable; the node replaces it once it reads the database again.
        public let stale: Bool
        /// The moment of the swap.
        public let at: ContinuousClock.Instant
    }

    /// A release that the node did not swap in.
    public struct Refused: Sendable {
        /// The release that failed.
        public let release: Int64
        /// The release the node keeps serving; nil when it serves nothing yet.
        public let kept: Int64?
        /// Why, located when possible (at least one).
        public let errors: [NodeError]
    }
}
