import Foundation

/// The measurement every bench mode shares: untimed warmup, timed batches calibrated to
/// about 20 ms each, and the median. Module functions and expressions are timed per call;
/// propagation samples (one per node and release) go through the same `percentile`.
package struct BenchMeasurement: Sendable {
    /// Calls per timed batch.
    package var iterations: Int
    /// Nanoseconds per call of each batch, sorted.
    package var perCall: [Double]

    /// Runs `body` `warmup` times untimed, then `batches` batches of `iterations` calls
    /// (calibrated when nil). `body` returns whether the call failed, which is folded into
    /// a checksum so that the optimiser cannot drop the calls.
    package static func run(iterations: Int?, warmup: Int, batches: Int, _ body: () -> Bool) -> BenchMeasurement {
        var sink = 0
        for _ in 0..<warmup { sink &+= body() ? 1 : 0 }
        let perBatch = iterations ?? calibrate(body, sink: &sink)
        var perCall: [Double] = []
        for _ in 0..<batches {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<perBatch { sink &+= body() ? 1 : 0 }
            let elapsed = DispatchTime.now().uptimeNanoseconds - start
            perCall.append(Double(elapsed) / Double(perBatch))
        }
        // Keeps the results observable.
        if sink == Int.min { print("") }
        return BenchMeasurement(iterations: perBatch, perCall: perCall.sorted())
    }

    /// Calls that take about 20 ms.
    private static func calibrate(_ body: () -> Bool, sink: inout Int) -> Int {
        var n = 1
        while n < 1 << 30 {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<n { sink &+= body() ? 1 : 0 }
            let elapsed = DispatchTime.now().uptimeNanoseconds - start
            if elapsed >= 20_000_000 { break }
            n = elapsed < 1_000_000 ? n * 10 : max(n + 1, Int(Double(n) * 20_000_000 / Double(elapsed)))
        }
        return n
    }

    /// The median batch's time per call, in nanoseconds.
    package var median: Double { Self.percentile(perCall, 0.5) }

    /// The report's lines; the last is `ns/eval: X`, the line tools parse.
    package var lines: [String] {
        [
            "batches: \(perCall.count) x \(iterations) evaluations",
            "min: \(Self.format(perCall.first ?? 0)) ns, max: \(Self.format(perCall.last ?? 0)) ns",
            "ns/eval: \(Self.format(median))",
        ]
    }

    /// The `p` quantile (0...1) of sorted samples, nearest rank; 0 for no samples.
    package static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let index = Int((Double(sorted.count - 1) * p).rounded())
        return sorted[min(max(index, 0), sorted.count - 1)]
    }

    /// A duration in milliseconds.
    package static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    private static func format(_ ns: Double) -> String { String(format: "%.1f", ns) }
}
