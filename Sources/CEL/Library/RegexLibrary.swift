/// `matches`: `s.matches(re)` and `matches(s, re)`, an unanchored RE2 search.
public enum RegexLibrary {
    public static func declarations(limits: Limits) -> [FunctionDecl] {
        [
            FunctionDecl(name: "matches", overloads: [
                Overload(id: "matches", params: [.string, .string], result: .bool,
                         implementation: .binary(matches)).metered(metered),
                Overload(id: "matches_string", isInstance: true, params: [.string, .string], result: .bool,
                         implementation: .binary(matches)).metered(metered),
            ]),
        ]
    }

    /// The implementation of both overloads: a bad pattern or a search over budget is an error value.
    @Sendable public static func matches(_ subject: Value, _ pattern: Value) -> Value {
        guard case .string(let s) = subject, case .string(let p) = pattern else {
            if subject.isError { return subject }
            if pattern.isError { return pattern }
            return .error(.noSuchOverload("matches", subject, pattern))
        }
        let regex: RegexEngine.Regex
        do {
            regex = try RegexEngine.compile(p)
        } catch {
            return .error(CELError("invalid regular expression `\(p)`: \(error.message)"))
        }
        return matches(s, regex)
    }

    /// `matches` inside an evaluation: the subject's and pattern's bytes, then every matcher
    /// step (`unitsPerStep`), are spent from the evaluation's cost budget (`Limits.maxCost`),
    /// not from a budget of its own.
    static let metered: MeteredImplementation = { subject, pattern, budget in
        guard case .string(let s) = subject, case .string(let p) = pattern else { return matches(subject, pattern) }
        budget -= s.utf8.count + p.utf8.count
        if budget < 0 { return .error(Frame.costExceeded) }
        let regex: RegexEngine.Regex
        do throws(RegexError) {
            regex = try RegexEngine.compile(p)
        } catch {
            return .error(CELError("invalid regular expression `\(p)`: \(error.message)"))
        }
        var steps = budget / unitsPerStep
        let hit = regex.matches(s, spending: &steps)
        budget = steps * unitsPerStep
        guard let hit else { return .error(Frame.costExceeded) }
        return .bool(hit)
    }

    /// Cost units per matcher step: a step (a sparse-set insert, a dispatch and a stack
    /// push and pop) is several times the work of evaluating a node.
    static let unitsPerStep = 4

    /// Matches with a precompiled pattern (the planner uses this for constant patterns).
    public static func matches(_ s: String, _ regex: RegexEngine.Regex) -> Value {
        guard let hit = regex.matches(s, budget: RegexEngine.defaultStepBudget) else {
            return .error(CELError("regular expression `\(regex.pattern)` is too expensive for this input"))
        }
        return .bool(hit)
    }
}
