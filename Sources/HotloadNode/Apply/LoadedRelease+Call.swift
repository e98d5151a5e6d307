import CEL
import HotloadModules

extension LoadedRelease {
    /// Calls `module.function(args)` on this release and counts the call in its metrics
    /// (calls, failed calls, latency), which the node reports with its heartbeat and
    /// rollout gates judge, and in swift-metrics (`hotload_calls_total` by module, function
    /// and outcome, `hotload_call_duration_seconds`). Evaluation errors come back as
    /// `.error` values and count as failed; a call that cannot start (unknown module or
    /// function, wrong arity) throws and counts as failed too. With a tracer the call is a
    /// `hotload.call` span (module, function, release, outcome). Calling `snapshot` directly
    /// is neither counted nor traced.
    public func call(module: String, function name: String, args: [Value]) throws(CallError) -> Value {
        if let tracer { return try traced(tracer.tracer, module: module, function: name, args: args) }
        return try counted(module: module, function: name, args: args)
    }

    /// The call, counted in the release's health figures and metrics.
    @inline(__always)
    func counted(module: String, function name: String, args: [Value]) throws(CallError) -> Value {
        try calls.call(module: module, function: name, args: args, stats: stats, snapshot: snapshot)
    }
}
