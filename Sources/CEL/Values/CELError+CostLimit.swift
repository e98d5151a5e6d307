extension CELError {
    /// True when the evaluation was stopped by its cost limits rather than failing on its
    /// own: the cost budget (`Limits.maxCost`, or a shared `CostBudget`) or the
    /// comprehension iteration limit (`Limits.maxIterations`). Compares the message (an
    /// error keeps it wherever it is passed on; an offset may be added), so it is meant for
    /// an error value already in hand, e.g. to count the calls a node stopped.
    public var isCostLimit: Bool {
        message == Frame.costExceeded.message || message == Frame.iterationsExceeded.message
            || message == CostBudget.exhaustedError.message
    }
}
