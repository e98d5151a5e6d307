import HotloadStore

extension Node {
    /// Reports the per-release call figures of the last window with the heartbeat
    /// (`hotload.node_report_metrics`). Best effort like the heartbeat: a failure (e.g. a
    /// database without the function yet) is logged and serving is not affected.
    func reportCallMetrics(_ session: NodeSession) async {
        let (seconds, releases) = callMetrics.report(current: current)
        do {
            try await session.reportMetrics(name: configuration.name, instance: instance, windowSeconds: seconds, releases)
        } catch {
            logger.debug("call metrics report failed", metadata: ["error": "\(error)"])
        }
    }
}
