import ArgumentParser
import CEL

extension Bench {
    /// `hotload bench expr`: one expression over one input.
    struct Expression: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "expr",
            abstract: "Time one expression: compile once, bind the input once, evaluate in batches.",
            discussion: "The last line is `ns/eval: X`, the median batch's time per evaluation.")

        @Argument(help: "The expression, or - to read it from standard input.")
        var expression: String

        @Option(help: "A JSON file with the variables (an object).")
        var input: String?

        @OptionGroup var timing: Timing

        func run() async throws {
            try await Self.run(expression, input: input, timing: timing)
        }

        static func run(_ expression: String, input: String?, timing: Timing) async throws {
            let text = try await ExpressionInput.expressionText(expression)
            let bindings = try ExpressionInput.bindings(from: input)
            let program = try ExpressionInput.compile(text, variables: bindings.keys)
            let activation = Activation(program: program, bindings: bindings)
            Output.line("expression: \(text)")
            timing.measure { program.evaluate(activation) }
        }
    }
}
