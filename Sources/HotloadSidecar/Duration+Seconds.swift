extension Duration {
    /// The duration in seconds, as the sidecar's metrics histogram takes it.
    var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
