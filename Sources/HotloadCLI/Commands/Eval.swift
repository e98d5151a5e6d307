import ArgumentParser
import CEL
import Foundation

struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate one CEL expression and print the result as JSON.",
        discussion: """
        The keys of the --input JSON object become variables of type dyn. Compile errors \
        are printed as diagnostics (file <expr>, line:col and a caret); evaluation errors \
        as `error: ...`. Both exit with status 1.
        """
    )

    @Option(help: "The expression, or - to read it from standard input.")
    var expr: String

    @Option(help: "A JSON file with an object whose keys become variables.")
    var input: String?

    func run() async throws {
        let text = try await ExpressionInput.expressionText(expr)
        let bindings = try ExpressionInput.bindings(from: input)
        let program = try ExpressionInput.compile(text, variables: bindings.keys)
        let result = program.evaluate(bindings)
        if case .error(let e) = result {
            Output.error("error: \(ExpressionInput.locate(e, in: text))")
            throw ExitCode.failure
        }
        do {
            Output.line(try result.json())
        } catch {
            Output.error("error: the result cannot be written as JSON: \(error)")
            throw ExitCode.failure
        }
    }
}

/// Reading an expression and its input for `eval` and `bench`.
enum ExpressionInput {
    /// The expression text; `-` reads standard input (on a thread of its own: the read
    /// blocks until the writer closes it, which must not hold a cooperative thread).
    static func expressionText(_ option: String) async throws -> String {
        guard option == "-" else { return option }
        let limit = Limits.default.maxSourceBytes
        // At most one byte more than an expression may have, so endless input ends here.
        let data = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var data = Data()
                while data.count <= limit, let chunk = try? FileHandle.standardInput.read(upToCount: 65536), !chunk.isEmpty {
                    data.append(chunk)
                }
                continuation.resume(returning: data)
            }
        }
        guard data.count <= limit else {
            Output.error("error: the expression on standard input is larger than \(limit) bytes")
            throw ExitCode.failure
        }
        guard let text = String(data: data, encoding: .utf8) else {
            Output.error("error: the expression on standard input is not valid UTF-8")
            throw ExitCode.failure
        }
        return text
    }

    /// Variables from a JSON object file (none without a file).
    static func bindings(from path: String?) throws -> [String: Value] {
        guard let path else { return [:] }
        let data = try InputFile.read(path)
        let value: Value
        do {
            value = try Value(json: data)
        } catch {
            Output.error("error: \(path): \(error)")
            throw ExitCode.failure
        }
        guard case .map(let map) = value else {
            Output.error("error: \(path): the input must be a JSON object whose keys are variable names")
            throw ExitCode.failure
        }
        var bindings: [String: Value] = [:]
        for i in 0..<map.count {
            if case .string(let name) = map.keys[i] { bindings[name] = map.values[i] }
        }
        return bindings
    }

    /// Compiles with the given variables declared as dyn; prints diagnostics on failure.
    static func compile(_ text: String, variables: some Sequence<String>) throws -> Program {
        var env = Environment()
        for name in variables { env.declare(variable: name) }
        do {
            return try env.compile(Source(name: "<expr>", text: text))
        } catch {
            Output.error(error.description)
            throw ExitCode.failure
        }
    }

    /// An evaluation error with its position (`<expr>:1:7: message`) when known.
    static func locate(_ error: CELError, in text: String) -> String {
        guard let offset = error.offset else { return error.message }
        let location = Source(name: "<expr>", text: text).location(of: Int(offset))
        return "<expr>:\(location.line):\(location.column): \(error.message)"
    }
}
