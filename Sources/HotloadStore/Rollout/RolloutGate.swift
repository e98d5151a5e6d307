import CEL

/// Health gates: CEL expressions over the figures of the canary nodes and the stable nodes
/// in the last window, e.g. `canary.calls < 50 || canary.error_rate <= stable.error_rate + 0.01`.
/// One owner for the names and types, so that checking a gate when it is set and evaluating
/// it later agree.
public enum RolloutGate {
    /// The two groups a gate compares.
    public static let groups = ["canary", "stable"]
    /// The figures of each group and their CEL types; bound as `canary.calls`, ....
    public static let figures: [(name: String, type: CELType)] = [
        ("calls", .int), ("errors", .int), ("error_rate", .double), ("p50_ms", .double), ("p99_ms", .double),
    ]

    /// The environment gates compile in: `group.figure` for every group and figure.
    public static var environment: Environment {
        var environment = Environment()
        for group in groups {
            for figure in figures {
                environment.declare(variable: "\(group).\(figure.name)", type: figure.type)
            }
        }
        return environment
    }

    /// Compiles a gate; it must yield a bool.
    public static func compile(_ expression: String) throws -> Program {
        let program: Program
        do {
            program = try environment.compile(Source(name: "gate", text: expression))
        } catch {
            throw StoreError.invalidGate(expression, diagnostic: error.description)
        }
        guard program.resultType == .bool || program.resultType == .dyn else {
            throw StoreError.invalidGate(expression, diagnostic: "it yields \(program.resultType), not a bool")
        }
        return program
    }
}
