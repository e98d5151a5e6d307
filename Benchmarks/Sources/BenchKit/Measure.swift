import Foundation

/// Keeps a value alive so the optimiser cannot drop the computation that made it.
/// `@_optimize(none)` (not just `@inline(never)`): otherwise the optimiser removes the
/// unused argument and, with it, any pure work that computed it.
@_optimize(none)
public func blackHole<T>(_ value: T) {}

/// Returns its argument through a call the optimiser cannot see into, so that work on
/// a loop-invariant input cannot be hoisted out of a measuring loop.
@_optimize(none)
public func opaque<T>(_ value: T) -> T { value }

/// Median nanoseconds per call of each of `bodies`, measured in turns: every round times
/// one batch of each body (a batch is calibrated to about `batchTarget`), and each body's
/// result is the median over `rounds` of its batches.
///
/// Taking turns matters on shared machines: a burst of noise from another tenant lasts
/// tens of milliseconds, and when the bodies were measured one after the other it fell on
/// one of them only, skewing their ratio. Now it falls on neighbouring batches of all of
/// them, and the medians discard it.
public func interleavedMedianNanoseconds(rounds: Int = 31, batchTarget: Duration = .milliseconds(2),
                                         _ bodies: [() -> Void]) -> [Double] {
    let clock = ContinuousClock()
    let sizes = bodies.map { body in
        var perBatch = 1
        while true {
            let elapsed = clock.measure { for _ in 0..<perBatch { body() } }
            if elapsed >= batchTarget / 4 || perBatch >= 1 << 26 {
                let scale = max(1.0, Double(batchTarget.nanoseconds) / max(1.0, Double(elapsed.nanoseconds)))
                return max(1, Int(Double(perBatch) * scale))
            }
            perBatch *= 4
        }
    }
    var samples = Array(repeating: [Double](), count: bodies.count)
    for _ in 0..<rounds {
        for (index, body) in bodies.enumerated() {
            let perBatch = sizes[index]
            let elapsed = clock.measure { for _ in 0..<perBatch { body() } }
            samples[index].append(Double(elapsed.nanoseconds) / Double(perBatch))
        }
    }
    return samples.map { times in
        let sorted = times.sorted()
        return sorted[sorted.count / 2]
    }
}

extension Duration {
    /// The duration in nanoseconds, as a double.
    public var nanoseconds: Double {
        let (s, atto) = components
        return Double(s) * 1e9 + Double(atto) / 1e9
    }
}
