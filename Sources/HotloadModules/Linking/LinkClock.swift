/// The time limit of one link, read after every declaration compiled or evaluated.
struct LinkClock {
    let limit: Duration?
    let deadline: ContinuousClock.Instant?

    init(_ limit: Duration?) {
        self.limit = limit
        deadline = limit.map { ContinuousClock.now + $0 }
    }

    /// Whether the time limit has passed.
    var isPastDeadline: Bool {
        guard let deadline else { return false }
        return ContinuousClock.now > deadline
    }
}
