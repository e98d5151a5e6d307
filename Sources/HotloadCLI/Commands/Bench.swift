import ArgumentParser
import CEL
import Foundation
import HotloadModules
import HotloadNode
import Logging
import PostgresHarness

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure expression and module-function speed, or release propagation to nodes.",
        discussion: """
        --expr EXPR --input FILE.json: compile once, bind the input once, evaluate in timed \
        batches; prints the median time of one evaluation as the last line `ns/eval: X`.

        --module NAME --function NAME [--modules DIR] --input FILE.json: the same for a module \
        function; the modules are linked from the .hl files under --modules (default: the \
        current directory); a JSON array input is the argument list, anything else the one \
        argument.

        --propagation --nodes N --releases K: start N nodes on one database (--database, else \
        $HOTLOAD_DATABASE_URL, else a private server started for the run and reached through its \
        Unix socket), commit K releases and measure commit-to-swap on every node, next to the raw \
        LISTEN/NOTIFY round trip on the same server and the NOTIFY fan-out to N plain listeners \
        (without and with one head read each). Last line: \
        `propagation nodes=N p50_ms=X p99_ms=Y notify_p50_ms=Z`.

        Build with `swift build -c release --product hotload` for meaningful numbers.
        """
    )

    @Option(help: "The expression, or - to read it from standard input.")
    var expr: String?

    @Option(help: "A module to call a function of (with --function).")
    var module: String?

    @Option(help: "The module function to measure (with --module).")
    var function: String?

    @Option(help: "The folder of .hl module files for --module (default: the current directory).")
    var modules: String = "."

    @Option(help: "A JSON file: variables (an object) for --expr; arguments for --function.")
    var input: String?

    @Option(help: "Evaluations per timed batch (default: calibrated to about 20 ms per batch).")
    var iterations: Int?

    @Option(help: "Untimed evaluations before measuring.")
    var warmup: Int = 1000

    @Option(help: "Number of timed batches; the median batch is reported.")
    var batches: Int = 15

    @Flag(help: "Measure how fast releases reach nodes.")
    var propagation = false

    @Option(help: "Nodes to start for --propagation.")
    var nodes: Int = 10

    @Option(help: "Releases to commit for --propagation.")
    var releases: Int = 20

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        let modes = [expr != nil, module != nil || function != nil, propagation].filter { $0 }.count
        guard modes == 1 else {
            throw ValidationError("choose one of --expr, --module/--function or --propagation")
        }
        if (module == nil) != (function == nil) { throw ValidationError("--module and --function go together") }
        guard batches > 0, warmup >= 0, (iterations ?? 1) > 0 else {
            throw ValidationError("--iterations and --batches must be positive, --warmup not negative")
        }
    }

    func run() async throws {
        if propagation {
            try await runPropagation()
        } else if let module, let function {
            try runFunction(module: module, function: function)
        } else if let expr {
            let text = try await ExpressionInput.expressionText(expr)
            let bindings = try ExpressionInput.bindings(from: input)
            let program = try ExpressionInput.compile(text, variables: bindings.keys)
            let activation = Activation(program: program, bindings: bindings)
            Output.line("expression: \(text)")
            measure { program.evaluate(activation) }
        }
    }

    private func measure(_ body: () -> Value) {
        Output.line("result: \(BenchMeasurement.describe(body()))")
        BenchMeasurement.run(iterations: iterations, warmup: warmup, batches: batches, body).print()
    }

    private func runFunction(module: String, function: String) throws {
        let snapshot: Snapshot
        do {
            snapshot = try Linker().link(ModuleFiles.load([modules]))
        } catch let error as CompileError {
            Output.error(error.description)
            throw ExitCode.failure
        }
        let compiled = try snapshot.function(module: module, name: function)
        var args: [Value] = []
        if let input {
            guard let data = FileManager.default.contents(atPath: input) else {
                throw ValidationError("cannot read input file \(input)")
            }
            let value = try Value(json: [UInt8](data))
            if case .list(let list) = value { args = list } else { args = [value] }
        }
        guard args.count == compiled.arity else {
            throw ValidationError("\(module).\(function) takes \(compiled.arity) argument(s); the input gives \(args.count)")
        }
        Output.line("function: \(module).\(function)")
        measure { compiled.call(args) }
    }

    private func runPropagation() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .critical
            return handler
        }
        if let given = connection.resolved {
            try await runPropagation(database: given)
            return
        }
        Output.line("starting a private PostgreSQL for the run")
        try await withThrowawayServer { server in
            let tcp = try await Harness.offload { () throws(HarnessError) -> String in
                try server.createDatabase("hotload_propagation")
            }
            // Nodes on the database's machine talk to it through its Unix socket.
            let url = server.socketURL(database: "hotload_propagation") ?? tcp
            Output.line(url == tcp ? "connecting over TCP (the server has no Unix socket)" : "connecting through the server's Unix socket")
            try await runPropagation(database: url)
        }
    }

    private func runPropagation(database url: String) async throws {
        let result = try await PropagationBenchmark.run(database: url, nodes: nodes, releases: releases,
                                                        progress: { Output.line($0) })
        let ms = PropagationBenchmark.Result.format
        Output.line("commit-to-swap max \(ms(result.max)) ms; node sync (wake-up to swap) p50 \(ms(result.syncP50)) ms; "
            + "\(String(format: "%.1f", result.connectionsPerNode)) database connections per node")
        Output.line("raw NOTIFY fan-out to \(result.nodes) plain listeners: p50 \(ms(result.fanOutP50)) ms, p99 \(ms(result.fanOutP99)) ms")
        Output.line("raw NOTIFY fan-out, each listener then reading the head once: p50 \(ms(result.fanOutReadP50)) ms, "
            + "p99 \(ms(result.fanOutReadP99)) ms")
        Output.line(result.line)
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
