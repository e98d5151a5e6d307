extension Duration {
    /// The duration in seconds, as the database's `interval` arithmetic and the metrics
    /// histogram take it.
    package var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
