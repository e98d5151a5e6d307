import ArgumentParser
import CEL
import Foundation
import HotloadModules

extension Bench {
    /// `hotload bench function`: one function of a module linked from `.hl` files.
    struct Function: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "function",
            abstract: "Time one module function, linked from the .hl files of a folder.",
            discussion: """
            A JSON array input is the argument list, anything else the one argument. The last \
            line is `ns/eval: X`, the median batch's time per call.
            """)

        @Argument(help: "The module, e.g. billing/pricing.")
        var module: String

        @Argument(help: "The function of the module.")
        var function: String

        @Option(help: "The folder of .hl module files (default: the current directory).")
        var modules: String = "."

        @Option(help: "A JSON file with the arguments.")
        var input: String?

        @OptionGroup var timing: Timing

        func run() throws {
            try Self.run(module: module, function: function, modules: modules, input: input, timing: timing)
        }

        static func run(module: String, function: String, modules: String, input: String?, timing: Timing) throws {
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
            timing.measure { compiled.call(args) }
        }
    }
}
