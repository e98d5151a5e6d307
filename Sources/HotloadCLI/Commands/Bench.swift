import ArgumentParser
import CEL
import HotloadBench

/// `hotload bench`: one subcommand per measurement. Expressions and module functions share
/// the batched timing of `BenchMeasurement` (and its last line `ns/eval: X`); propagation
/// reports percentiles through the same helper.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure expression and module-function speed, release propagation to nodes, or diffs.",
        discussion: """
        hotload bench expr EXPR --input FILE.json: compile once, bind the input once, evaluate \
        in timed batches; prints the median time of one evaluation as the last line `ns/eval: X`.

        hotload bench function MODULE FUNCTION [--modules DIR] --input FILE.json: the same for a \
        module function.

        hotload bench propagation --nodes N --releases K [--sign]: commit-to-swap on N nodes, \
        unsigned or signed; last line `propagation nodes=N p50_ms=X p99_ms=Y notify_p50_ms=Z \
        fanout_p50_ms=F readback_p50_ms=G`. With --abort [--rollouts R] \
        [--gate-interval S], the same fleet then measures abort commit to every canary on stable \
        and first failing gate to abort; last line `propagation-abort nodes=N p50_ms=X p99_ms=Y \
        gate_to_abort_ms=Z interval_ms=I`.

        hotload bench diff [--lines N] [--edits K]: unified diffs (`FileDiff`) against the \
        standard library's CollectionDifference on generated modules; last line \
        `diff lines=N unchanged=R0 scattered=R1 all_changed=R2 reversed=R3` (ratios, CollectionDifference / \
        FileDiff).

        The earlier flag forms still work: --expr EXPR, --module NAME --function NAME, \
        --propagation. Build with `swift build -c release --product hotload` for meaningful numbers.
        """,
        subcommands: [Expression.self, Function.self, Propagation.self, DiffCommand.self, Flags.self],
        defaultSubcommand: Flags.self
    )

    /// How the call-timing modes measure.
    struct Timing: ParsableArguments {
        @Option(help: "Evaluations per timed batch (default: calibrated to about 20 ms per batch).")
        var iterations: Int?

        @Option(help: "Untimed evaluations before measuring.")
        var warmup: Int = 1000

        @Option(help: "Number of timed batches; the median batch is reported.")
        var batches: Int = 15

        func validate() throws {
            guard batches > 0, warmup >= 0, (iterations ?? 1) > 0 else {
                throw ValidationError("--iterations and --batches must be positive, --warmup not negative")
            }
        }

        /// Prints the result of one call, then the measurement (last line `ns/eval: X`).
        func measure(_ body: () -> Value) {
            Output.line("result: \(Self.describe(body()))")
            for line in run(body).lines { Output.line(line) }
        }

        /// The measurement of `body`, without printing.
        func run(_ body: () -> Value) -> BenchMeasurement {
            BenchMeasurement.run(iterations: iterations, warmup: warmup, batches: batches) {
                if case .error = body() { return true }
                return false
            }
        }

        private static func describe(_ v: Value) -> String {
            if case .error(let e) = v { return "error: \(e.message)" }
            return (try? v.json()) ?? "\(v)"
        }
    }

    /// The form before subcommands (`hotload bench --expr ...`, `--module/--function`,
    /// `--propagation`), kept for scripts; runs the same code as the subcommands.
    struct Flags: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "flags",
            abstract: "The flag form: --expr, --module/--function or --propagation.",
            shouldDisplay: false)

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

        @OptionGroup var timing: Timing

        @Flag(help: "Measure how fast releases reach nodes.")
        var propagation = false

        @OptionGroup var fleet: Propagation.Fleet

        @OptionGroup var abort: Propagation.Abort

        @OptionGroup var polling: Propagation.Polling

        @OptionGroup var connection: ConnectionOptions

        func validate() throws {
            let modes = [expr != nil, module != nil || function != nil, propagation].filter { $0 }.count
            guard modes == 1 else {
                throw ValidationError("choose one of `hotload bench expr`, `function` or `propagation` "
                    + "(or --expr, --module/--function, --propagation)")
            }
            if (module == nil) != (function == nil) { throw ValidationError("--module and --function go together") }
            if abort.abort && !propagation { throw ValidationError("--abort goes with --propagation") }
            if fleet.sign && !propagation { throw ValidationError("--sign goes with --propagation") }
            if polling.noListen && !propagation { throw ValidationError("--no-listen goes with --propagation") }
            try polling.validate(with: fleet, abort)
        }

        func run() async throws {
            if propagation {
                try await Propagation.run(fleet, abort, polling, connection)
            } else if let module, let function {
                try Function.run(module: module, function: function, modules: modules, input: input, timing: timing)
            } else if let expr {
                try await Expression.run(expr, input: input, timing: timing)
            }
        }
    }
}
