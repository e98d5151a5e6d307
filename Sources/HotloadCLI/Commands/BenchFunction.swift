import ArgumentParser
import CEL
import Foundation
import HotloadBench
import HotloadModules
import HotloadNode
import HotloadSidecar

extension Bench {
    /// `hotload bench function`: one function of a module linked from `.hl` files.
    struct Function: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "function",
            abstract: "Time one module function, linked from the .hl files of a folder.",
            discussion: """
            A JSON array input is the argument list, anything else the one argument. The last \
            line is `ns/eval: X`, the median batch's time per call. With --node-call it times \
            the call as a node serves it (module and function looked up on every call), \
            without and with what `LoadedRelease.call` adds (the health figures, the \
            swift-metrics handles without a backend, the tracing check; also the health figures \
            alone and the metrics into Prometheus), prints the ratio of the counted call to the \
            plain one, and the last line is the counted call's.
            """)

        @Argument(help: "The module, e.g. billing/pricing.")
        var module: String

        @Argument(help: "The function of the module.")
        var function: String

        @Option(help: "The folder of .hl module files (default: the current directory).")
        var modules: String = "."

        @Option(help: "A JSON file with the arguments.")
        var input: String?

        @Flag(help: "Time the node's call path without and with what LoadedRelease.call adds (metrics, tracing check), and print the ratio.")
        var nodeCall = false

        @OptionGroup var timing: Timing

        func run() throws {
            try Self.run(module: module, function: function, modules: modules, input: input, timing: timing,
                         nodeCall: nodeCall)
        }

        static func run(module: String, function: String, modules: String, input: String?, timing: Timing,
                        nodeCall: Bool = false) throws {
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
                let value = try Value(json: try InputFile.read(input))
                if case .list(let list) = value { args = list } else { args = [value] }
            }
            guard args.count == compiled.arity else {
                throw ValidationError("\(module).\(function) takes \(compiled.arity) argument(s); the input gives \(args.count)")
            }
            Output.line("function: \(module).\(function)")
            guard nodeCall else {
                timing.measure { compiled.call(args) }
                return
            }
            // The call as a node serves it, on a snapshot linked here: plain; counted in the
            // release's health figures only (`CallStats`, as before swift-metrics); through
            // `LoadedRelease.call` itself (health figures, swift-metrics handles, the tracing
            // check) without a backend and with the Prometheus one `hotload node` bootstraps.
            let stats = CallStats()
            let plain = timing.run { (try? snapshot.call(module: module, function: function, args: args)) ?? .null }
            let health = timing.run {
                let start = CallStats.now()
                let value = (try? snapshot.call(module: module, function: function, args: args)) ?? .null
                stats.record(nanoseconds: CallStats.now() &- start, failed: value.isError)
                return value
            }
            let release = LoadedRelease(benchmarking: snapshot)
            let counted = timing.run { (try? release.call(module: module, function: function, args: args)) ?? .null }
            let prometheus = LoadedRelease(benchmarking: snapshot,
                                           calls: CallLabels(factory: PrometheusBackend().factory).table(for: snapshot))
            let exported = timing.run { (try? prometheus.call(module: module, function: function, args: args)) ?? .null }
            Output.line("node call without metrics: \(String(format: "%.1f", plain.median)) ns")
            Output.line("node call with health figures only: \(String(format: "%.1f", health.median)) ns")
            Output.line("node call with metrics: \(String(format: "%.1f", counted.median)) ns")
            Output.line("node call with metrics into Prometheus: \(String(format: "%.1f", exported.median)) ns")
            Output.line("ratio: \(String(format: "%.3f", counted.median / plain.median))")
            for line in counted.lines { Output.line(line) }
        }
    }
}
