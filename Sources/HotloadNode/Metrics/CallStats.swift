#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The call counters of one loaded release: failed calls and a latency histogram (whose
/// sum is the number of calls), cumulative since the release was loaded. Recording a call
/// (`CallTable.call` times it with two monotonic clock reads) costs one relaxed atomic
/// addition (two for a failed call): no lock, no allocation. Windows
/// (the last 60 s) are computed by the reader from cumulative snapshots
/// (`CallMetricsWindow`), so nothing on the call path ever resets a counter.
///
/// Latency buckets are log-linear: exact below 8 ns, then 8 buckets per power of two
/// (at most 12.5% wide), up to about 37 minutes; a percentile is reported as the middle
/// of its bucket.
package final class CallStats: @unchecked Sendable {
    // @unchecked Sendable: `counters` is memory of atomics, allocated once and freed in
    // deinit; every access goes through the atomics.

    /// Histogram buckets: 8 exact ones below 8 ns, then 8 per power of two up to 2^41 ns.
    package static let bucketCount = 8 * 40
    /// Index 0: failed calls; 1...: histogram buckets.
    private let counters: UnsafeMutablePointer<Atomic<Int>>
    private static let slots = 1 + bucketCount

    package init() {
        counters = .allocate(capacity: Self.slots)
        for index in 0..<Self.slots { (counters + index).initialize(to: Atomic<Int>(0)) }
    }

    deinit {
        counters.deinitialize(count: Self.slots)
        counters.deallocate()
    }

    /// Counts one call that took `nanoseconds`.
    @inline(__always)
    package func record(nanoseconds: UInt64, failed: Bool) {
        if failed { counters[0].wrappingAdd(1, ordering: .relaxed) }
        counters[1 + Self.bucket(nanoseconds)].wrappingAdd(1, ordering: .relaxed)
    }

    /// The counters now (not one atomic snapshot: a failed call recorded meanwhile may be
    /// counted as failed and not yet in its bucket; `errors` is capped at `calls`).
    package func totals() -> Totals {
        var histogram = [Int](repeating: 0, count: Self.bucketCount)
        for index in 0..<Self.bucketCount { histogram[index] = counters[1 + index].load(ordering: .relaxed) }
        let calls = histogram.reduce(0, +)
        return Totals(calls: calls, errors: min(counters[0].load(ordering: .relaxed), calls), histogram: histogram)
    }

    /// Cumulative counters of one release (or their difference over a window).
    package struct Totals: Sendable, Equatable {
        package var calls: Int
        package var errors: Int
        package var histogram: [Int]

        package static let zero = Totals(calls: 0, errors: 0, histogram: [Int](repeating: 0, count: CallStats.bucketCount))

        package static func - (lhs: Totals, rhs: Totals) -> Totals {
            Totals(calls: lhs.calls - rhs.calls, errors: lhs.errors - rhs.errors,
                   histogram: zip(lhs.histogram, rhs.histogram).map { max(0, $0 - $1) })
        }

        package static func + (lhs: Totals, rhs: Totals) -> Totals {
            Totals(calls: lhs.calls + rhs.calls, errors: lhs.errors + rhs.errors,
                   histogram: zip(lhs.histogram, rhs.histogram).map { $0 + $1 })
        }

        /// The `q` quantile (0 < q <= 1) of the latencies in milliseconds: the middle of
        /// the bucket holding the ceil(q × n)-th fastest call; 0 without calls.
        package func percentileMilliseconds(_ q: Double) -> Double {
            let total = histogram.reduce(0, +)
            guard total > 0 else { return 0 }
            let rank = max(1, Int((q * Double(total)).rounded(.up)))
            var seen = 0
            for (index, count) in histogram.enumerated() {
                seen += count
                if seen >= rank { return CallStats.midpoint(index) / 1_000_000 }
            }
            return CallStats.midpoint(histogram.count - 1) / 1_000_000
        }
    }

    /// The bucket of a latency: the value itself below 8 ns, else 8 per power of two.
    @inline(__always)
    package static func bucket(_ nanoseconds: UInt64) -> Int {
        if nanoseconds < 8 { return Int(nanoseconds) }
        let exponent = 63 - nanoseconds.leadingZeroBitCount
        let mantissa = Int((nanoseconds >> UInt64(exponent - 3)) & 7)
        return min((exponent - 2) * 8 + mantissa, bucketCount - 1)
    }

    /// The middle of a bucket, in nanoseconds.
    package static func midpoint(_ bucket: Int) -> Double {
        if bucket < 8 { return Double(bucket) }
        let exponent = bucket / 8 + 2, mantissa = bucket % 8
        let width = UInt64(1) << UInt64(exponent - 3)
        return Double(UInt64(8 + mantissa) * width) + Double(width) / 2
    }

    /// Monotonic nanoseconds (vDSO: no system call).
    @inline(__always)
    package static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }
}
