import HotloadNode
import Tracing

/// Tracing on the sidecar. Hummingbird's `TracingMiddleware` (on `/v1/call` and `/v1/eval`)
/// extracts the caller's context from the request headers through the tracer's `extract`
/// (W3C `traceparent` and `tracestate` with an OpenTelemetry tracer) and runs the request
/// in a server span. The evaluation runs on an `EvaluationPool` thread, outside the
/// request's task, so the request's `ServiceContext` is carried there explicitly: the
/// `hotload.call` span of `LoadedRelease.call`, or the `hotload.eval` span, is a child of
/// the request's span.
enum SidecarTracing {
    /// `work` run under the calling task's `ServiceContext` (none: `work` itself).
    static func inCurrentContext<T>(_ work: @escaping @Sendable () -> T) -> @Sendable () -> T {
        guard let context = ServiceContext.current else { return work }
        return { ServiceContext.withValue(context) { work() } }
    }

    static let eval = "hotload.eval"
}

extension SidecarHandler {
    /// Runs `eval` (an `eval(body:)`) in a `hotload.eval` span when the node has a tracer:
    /// `hotload.release` (the release served when it started) and `hotload.outcome` — `ok`,
    /// `error` (the expression does not compile or evaluates to an error: 422) or `refused`
    /// (a malformed request, no release loaded).
    func traced<Outcome>(_ eval: () -> (SidecarReply, Outcome)) -> (SidecarReply, Outcome) {
        guard let tracer = node.callTracer?.tracer else { return eval() }
        return tracer.withSpan(SidecarTracing.eval) { span in
            if let release = node.current?.release { span.attributes[NodeTraceNames.release] = release }
            let result = eval()
            let status = result.0.status
            span.attributes[NodeTraceNames.outcome] = status == 200 ? "ok" : status == 422 ? "error" : "refused"
            if status != 200 { span.setStatus(SpanStatus(code: .error)) }
            return result
        }
    }
}
