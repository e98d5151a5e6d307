import CEL
import Foundation

/// The cases compiled with Hotload's CEL: compiled once, input bound once into an
/// activation, then evaluated — what a host does on its hot path.
public struct CELCase {
    public let name: String
    let program: Program
    let activation: Activation

    public init(_ benchCase: BenchCase, inputJSON: Data) throws {
        guard case .map(let input) = try Value(json: [UInt8](inputJSON)) else {
            throw BenchError("input.json is not an object")
        }
        var env = Environment()
        var bindings: [String: Value] = [:]
        for (key, value) in zip(input.keys, input.values) {
            guard case .string(let name) = key else { continue }
            env.declare(variable: name)
            bindings[name] = value
        }
        name = benchCase.name
        program = try env.compile(Source(text: benchCase.expr))
        activation = Activation(program: program, bindings: bindings)
    }

    /// One evaluation; the result goes to a black hole.
    @inline(__always)
    public func run() {
        blackHole(program.evaluate(activation))
    }

    /// The result, for checking that all implementations compute the same thing.
    public func result() -> Value { program.evaluate(activation) }
}
