import ArgumentParser
import CEL
import Foundation

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the median time of one evaluation of a compiled expression.",
        discussion: """
        Compiles once, binds the input once, then evaluates in timed batches and prints the
        median over the batches. The last line is `ns/eval: X`. Build with
        `swift build -c release --product hotload` for meaningful numbers.
        """
    )

    @Option(help: "The expression, or - to read it from standard input.")
    var expr: String

    @Option(help: "A JSON file with an object whose keys become variables.")
    var input: String?

    @Option(help: "Evaluations per timed batch (default: calibrated to about 20 ms per batch).")
    var iterations: Int?

    @Option(help: "Untimed evaluations before measuring.")
    var warmup: Int = 1000

    @Option(help: "Number of timed batches; the median batch is reported.")
    var batches: Int = 15

    func run() async throws {
        guard batches > 0, warmup >= 0, (iterations ?? 1) > 0 else {
            Output.error("error: --iterations and --batches must be positive, --warmup not negative")
            throw ExitCode.failure
        }
        let text = try ExpressionInput.expressionText(expr)
        let bindings = try ExpressionInput.bindings(from: input)
        let program = try ExpressionInput.compile(text, variables: bindings.keys)
        let activation = Activation(program: program, bindings: bindings)
        let sample = program.evaluate(activation)
        Output.line("expression: \(text)")
        Output.line("result: \(BenchMeasurement.describe(sample))")
        let measurement = BenchMeasurement.run(iterations: iterations, warmup: warmup, batches: batches) {
            program.evaluate(activation)
        }
        measurement.print()
    }
}

/// Times a closure in batches and reports the median time per call. Shared by every
/// bench mode (an expression now; module functions later).
struct BenchMeasurement {
    var iterations: Int
    var perCall: [Double]

    static func run(iterations: Int?, warmup: Int, batches: Int, _ body: () -> Value) -> BenchMeasurement {
        var sink = 0
        for _ in 0..<warmup { sink &+= checksum(body()) }
        let perBatch = iterations ?? calibrate(body, sink: &sink)
        var perCall: [Double] = []
        for _ in 0..<batches {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<perBatch { sink &+= checksum(body()) }
            let elapsed = DispatchTime.now().uptimeNanoseconds - start
            perCall.append(Double(elapsed) / Double(perBatch))
        }
        if sink == Int.min { Output.line("") }  // keeps the results observable
        return BenchMeasurement(iterations: perBatch, perCall: perCall.sorted())
    }

    /// Evaluations that take about 20 ms.
    private static func calibrate(_ body: () -> Value, sink: inout Int) -> Int {
        var n = 1
        while n < 1 << 30 {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<n { sink &+= checksum(body()) }
            let elapsed = DispatchTime.now().uptimeNanoseconds - start
            if elapsed >= 20_000_000 { break }
            n = elapsed < 1_000_000 ? n * 10 : max(n + 1, Int(Double(n) * 20_000_000 / Double(elapsed)))
        }
        return n
    }

    @inline(__always)
    private static func checksum(_ v: Value) -> Int {
        if case .error = v { return 1 }
        return 0
    }

    static func describe(_ v: Value) -> String {
        if case .error(let e) = v { return "error: \(e.message)" }
        return (try? v.json()) ?? "\(v)"
    }

    var median: Double { perCall[perCall.count / 2] }

    func print() {
        Output.line("batches: \(perCall.count) x \(iterations) evaluations")
        Output.line("min: \(format(perCall.first ?? 0)) ns, max: \(format(perCall.last ?? 0)) ns")
        Output.line("ns/eval: \(format(median))")
    }

    private func format(_ ns: Double) -> String { String(format: "%.1f", ns) }
}
