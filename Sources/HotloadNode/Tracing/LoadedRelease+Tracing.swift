import CEL
import HotloadModules
import Tracing

extension LoadedRelease {
    /// Runs `call` in a `hotload.call` span when the node has a tracer; without one (the
    /// no-op tracer) it costs one nil check: no span, no allocation.
    @inline(__always)
    func traced(module: String, function: String,
                _ call: () throws(CallError) -> Value) throws(CallError) -> Value {
        guard let tracer else { return try call() }
        return try traced(tracer, module: module, function: function, call)
    }

    /// The span of one call, a child of the task's `ServiceContext` (the sidecar sets it
    /// to its request span on its evaluation threads): `hotload.module`, `hotload.function`,
    /// `hotload.release`, and `hotload.outcome` — `ok`, `error` (an error value) or
    /// `refused` (the call could not start; `hotload.error.code` says why).
    private func traced(_ tracer: any Tracer, module: String, function: String,
                        _ call: () throws(CallError) -> Value) throws(CallError) -> Value {
        let span = tracer.startSpan(NodeTraceNames.call, context: ServiceContext.current ?? .topLevel)
        defer { span.end() }
        span.updateAttributes { attributes in
            attributes[NodeTraceNames.module] = module
            attributes[NodeTraceNames.function] = function
            attributes[NodeTraceNames.release] = release
        }
        do {
            let value = try call()
            if case .error(let error) = value {
                span.attributes[NodeTraceNames.outcome] = "error"
                span.setStatus(SpanStatus(code: .error, message: error.message))
            } else {
                span.attributes[NodeTraceNames.outcome] = "ok"
            }
            return value
        } catch {
            span.updateAttributes { attributes in
                attributes[NodeTraceNames.outcome] = "refused"
                attributes[NodeTraceNames.errorCode] = error.code.rawValue
            }
            span.setStatus(SpanStatus(code: .error, message: error.message))
            throw error
        }
    }
}
