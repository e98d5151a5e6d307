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

/// Median nanoseconds per call of `body`, over `batches` timed batches of a calibrated
/// size (each batch about `batchTarget` long). Medians resist the noise of shared machines.
public func medianNanoseconds(batches: Int = 15, batchTarget: Duration = .milliseconds(4),
                              _ body: () -> Void) -> Double {
    let clock = ContinuousClock()
    var perBatch = 1
    while true {
        let elapsed = clock.measure { for _ in 0..<perBatch { body() } }
        if elapsed >= batchTarget / 4 || perBatch >= 1 << 26 {
            let scale = max(1.0, Double(batchTarget.nanoseconds) / max(1.0, Double(elapsed.nanoseconds)))
            perBatch = max(1, Int(Double(perBatch) * scale))
            break
        }
        perBatch *= 4
    }
    var samples: [Double] = []
    samples.reserveCapacity(batches)
    for _ in 0..<batches {
        let elapsed = clock.measure { for _ in 0..<perBatch { body() } }
        samples.append(Double(elapsed.nanoseconds) / Double(perBatch))
    }
    samples.sort()
    return samples[samples.count / 2]
}

extension Duration {
    /// The duration in nanoseconds, as a double.
    public var nanoseconds: Double {
        let (s, atto) = components
        return Double(s) * 1e9 + Double(atto) / 1e9
    }
}
