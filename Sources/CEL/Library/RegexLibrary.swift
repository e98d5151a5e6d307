/// `matches`: `s.matches(re)` and `matches(s, re)`, an unanchored RE2 search.
public enum RegexLibrary {
    public static func declarations(limits: Limits) -> [FunctionDecl] {
        [
            FunctionDecl(name: "matches", overloads: [
                Overload(id: "matches", params: [.string, .string], result: .bool,
                         implementation: .binary(matches)),
                Overload(id: "matches_string", isInstance: true, params: [.string, .string], result: .bool,
                         implementation: .binary(matches)),
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

    /// Matches with a precompiled pattern (the planner uses this for constant patterns).
    public static func matches(_ s: String, _ regex: RegexEngine.Regex) -> Value {
        guard let hit = regex.matches(s, budget: RegexEngine.defaultStepBudget) else {
            return .error(CELError("regular expression `\(regex.pattern)` is too expensive for this input"))
        }
        return .bool(hit)
    }
}
