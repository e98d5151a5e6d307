import ArgumentParser
import CEL
import Foundation
import HotloadBench
import HotloadModules
import HotloadNode

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
            without and with what `LoadedRelease.call` adds (the node's call metrics: \
            latency and counters; the tracing check, a span when a tracer is bootstrapped), \
            prints their ratio, and the last line is the counted call's.
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
            // `LoadedRelease.call` itself, on a snapshot linked here.
            let loaded = LoadedRelease(benchmarking: snapshot)
            let plain = timing.run { (try? snapshot.call(module: module, function: function, args: args)) ?? .null }
            let counted = timing.run { (try? loaded.call(module: module, function: function, args: args)) ?? .null }
            Output.line("node call without metrics: \(String(format: "%.1f", plain.median)) ns")
            Output.line("node call with metrics: \(String(format: "%.1f", counted.median)) ns")
            Output.line("ratio: \(String(format: "%.3f", counted.median / plain.median))")
            for line in counted.lines { Output.line(line) }
        }
    }
}
