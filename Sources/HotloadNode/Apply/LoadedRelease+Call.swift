import CEL
import HotloadModules

extension LoadedRelease {
    /// Calls `module.function(args)` on this release and counts the call in its metrics
    /// (calls, failed calls, latency), which the node reports with its heartbeat and
    /// rollout gates judge, and in swift-metrics (`hotload_calls_total` by module, function
    /// and outcome, `hotload_call_duration_seconds`). Evaluation errors come back as
    /// `.error` values and count as failed; a call that cannot start (unknown module or
    /// function, wrong arity) throws and counts as failed too. Calling `snapshot` directly
    /// is not counted.
    public func call(module: String, function name: String, args: [Value]) throws(CallError) -> Value {
        try calls.call(module: module, function: name, args: args, stats: stats, snapshot: snapshot)
    }
}
