/// Jittered exponential backoff for reconnecting to the database.
///
/// The n-th consecutive failure waits a random duration in `[d/2, d]` where
/// `d = min(cap, initial * 2^(n-1))` ("equal jitter"): nodes that lost the same server
/// do not all come back in the same millisecond, and the wait never drops to zero.
/// A success resets the sequence.
package struct Backoff: Sendable, Hashable {
    /// The first delay before jitter.
    package var initial: Duration
    /// The largest delay before jitter.
    package var cap: Duration
    /// Consecutive failures so far.
    package private(set) var failures: Int = 0

    package init(initial: Duration = .milliseconds(50), cap: Duration = .seconds(5)) {
        self.initial = max(initial, .milliseconds(1))
        self.cap = max(cap, self.initial)
    }

    /// Records one more failure and returns how long to wait before the next attempt.
    /// - Parameter unitRandom: a number in `[0, 1]` (injected so tests are deterministic).
    package mutating func nextDelay(unitRandom: Double) -> Duration {
        if failures < Int.max { failures += 1 }
        let ceiling = Self.ceiling(initial: initial, cap: cap, failures: failures)
        let fraction = 0.5 + 0.5 * min(max(unitRandom.isNaN ? 1 : unitRandom, 0), 1)
        return ceiling * fraction
    }

    /// Forgets the failures: the next failure waits `initial` again.
    package mutating func reset() { failures = 0 }

    /// `min(cap, initial * 2^(failures-1))`, computed without overflow.
    static func ceiling(initial: Duration, cap: Duration, failures: Int) -> Duration {
        var delay = initial
        var step = 1
        while step < failures {
            delay = delay * 2
            if delay >= cap { return cap }
            step += 1
        }
        return min(delay, cap)
    }
}
