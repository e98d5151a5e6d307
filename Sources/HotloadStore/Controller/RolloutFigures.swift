import CEL

/// What a gate sees of one group of nodes (the canary nodes or the stable ones) over the
/// last window: the `canary` and `stable` maps of `RolloutGate`.
///
/// Aggregation over the live nodes that report the release: `calls` and `errors` are
/// summed; `error_rate` is errors / calls (0 without calls); `p50_ms` is the call-weighted
/// mean of the nodes' medians (a node serving more calls weighs more; close to the
/// fleet's median when nodes are alike); `p99_ms` is the largest p99 of a node with calls
/// (the worst node's tail: one slow canary node is enough to fail a latency gate, which
/// is what a canary is for, and no weighting can hide it).
public struct RolloutFigures: Sendable, Hashable {
    /// Calls in the window, summed over the nodes.
    public var calls: Int
    /// Failed calls (evaluation errors and refused calls), summed.
    public var errors: Int
    /// The call-weighted mean of the nodes' median latency, in ms.
    public var p50Milliseconds: Double
    /// The largest p99 latency of a node with calls, in ms.
    public var p99Milliseconds: Double
    /// Live nodes whose figures were summed.
    public var nodes: Int

    /// Figures as given; the defaults are a group without calls.
    public init(calls: Int = 0, errors: Int = 0, p50Milliseconds: Double = 0, p99Milliseconds: Double = 0,
                nodes: Int = 0) {
        self.calls = calls
        self.errors = errors
        self.p50Milliseconds = p50Milliseconds
        self.p99Milliseconds = p99Milliseconds
        self.nodes = nodes
    }

    /// errors / calls; 0 without calls.
    public var errorRate: Double { calls == 0 ? 0 : Double(errors) / Double(calls) }

    /// The figures under `group.` names, as `RolloutGate.environment` declares them.
    func bind(_ group: String, into bindings: inout [String: Value]) {
        bindings["\(group).calls"] = .int(Int64(calls))
        bindings["\(group).errors"] = .int(Int64(errors))
        bindings["\(group).error_rate"] = .double(errorRate)
        bindings["\(group).p50_ms"] = .double(p50Milliseconds)
        bindings["\(group).p99_ms"] = .double(p99Milliseconds)
    }
}

/// One gate's verdict at one evaluation.
public struct GateResult: Sendable, Hashable {
    /// The gate's expression.
    public var gate: String
    /// Whether it yielded true.
    public var passed: Bool
    /// Why it failed when it did not yield a bool: it did not compile, or it evaluated to
    /// an error (both count as failing).
    public var error: String?
}

/// A rollout's gates, compiled once (with `RolloutGate.environment`) and evaluated on
/// every controller tick.
public struct CompiledGates: Sendable {
    /// The expressions, in plan order.
    public let gates: [String]
    private let programs: [Result<Program, StoreError>]

    /// Compiles each gate once; one that does not compile fails every evaluation.
    public init(_ gates: [String]) {
        self.gates = gates
        programs = gates.map { gate in Result { () throws(StoreError) -> Program in try RolloutGate.compileTyped(gate) } }
    }

    /// Evaluates every gate over `canary` and `stable`. A gate that does not compile or
    /// evaluates to an error or a non-bool fails.
    public func evaluate(canary: RolloutFigures, stable: RolloutFigures) -> [GateResult] {
        var bindings: [String: Value] = [:]
        canary.bind("canary", into: &bindings)
        stable.bind("stable", into: &bindings)
        return zip(gates, programs).map { gate, program in
            switch program {
            case .failure(let error):
                return GateResult(gate: gate, passed: false, error: error.message)
            case .success(let program):
                switch program.evaluate(bindings) {
                case .bool(let passed): return GateResult(gate: gate, passed: passed, error: nil)
                case .error(let error): return GateResult(gate: gate, passed: false, error: error.message)
                case let other: return GateResult(gate: gate, passed: false, error: "it yielded \(other), not a bool")
                }
            }
        }
    }
}

extension RolloutGate {
    /// `compile`, with its error typed for `Result`.
    static func compileTyped(_ gate: String) throws(StoreError) -> Program {
        do {
            return try compile(gate)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.invalidGate(gate, diagnostic: "\(error)")
        }
    }
}
