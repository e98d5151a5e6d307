/// A cost budget shared by several compilations and evaluations, so that their work
/// together is bounded by a number, not by time: the same inputs spend the same units on
/// every machine. The module linker gives all of one link one budget of
/// `Limits.maxLinkCost`.
///
/// An evaluation with a budget (`Program.evaluate(_:budget:)`) may spend `Limits.maxCost`
/// or what the budget has left, whichever is less; compiling with one
/// (`Environment.compile(_:in:budget:)`, `compileFunction(…budget:)`) spends it on
/// constant folding, and leaves to run time a fold the budget cannot cover.
public struct CostBudget: Sendable {
    /// Cost units left.
    public private(set) var remaining: Int
    /// Whether some work needed more than was left. Later evaluations with the budget are
    /// errors and later compilations fold nothing; the caller should stop and report.
    public private(set) var isExhausted = false

    public init(_ units: Int) {
        remaining = max(0, units)
    }

    /// Spends `units` (for example the recorded cost of work done before with the same
    /// inputs); exhausts the budget when they are more than is left.
    public mutating func charge(_ units: Int) {
        guard units <= remaining else {
            remaining = 0
            isExhausted = true
            return
        }
        remaining -= units
    }

    /// The most one evaluation under `limits` may spend now.
    func allowance(_ limits: Limits) -> Int { min(limits.maxCost, remaining) }

    static let exhaustedError = CELError("shared cost budget exhausted: the evaluation was stopped (see CostBudget)")
}
