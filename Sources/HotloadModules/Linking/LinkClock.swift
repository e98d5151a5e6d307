import CEL

/// The time limit of one link, read before every declaration parsed, after every module
/// parsed and after every declaration compiled or evaluated: each of those steps is bounded
/// by `Limits`, the time limit bounds how many of them one link runs.
struct LinkClock {
    let limit: Duration?
    let deadline: ContinuousClock.Instant?

    init(_ limit: Duration?) {
        self.limit = limit
        deadline = limit.map { ContinuousClock.now + $0 }
    }

    /// An `E412` diagnostic at `offset` of `source` if the time limit has passed after
    /// `step` (e.g. "let 'x'"), else nil.
    func overrun(after step: String, source: Source, offset: Int) -> Diagnostic? {
        guard let limit, let deadline, ContinuousClock.now > deadline else { return nil }
        return Diagnostic(code: ModuleErrorCode.linkTooSlow,
                          message: "linking went past its time limit of \(limit) at \(step); linking stopped here",
                          source: source, offset: offset)
    }
}
