import CEL
import HotloadModules
import Tracing

extension LoadedRelease {
    /// `counted` in a `hotload.call` span, a child of the task's (or thread's)
    /// `ServiceContext` (the sidecar sets it to its request span on its evaluation threads):
    /// `hotload.module`, `hotload.function`, `hotload.release`, and `hotload.outcome` —
    /// `ok`, `error` (an error value) or `refused` (the call could not start;
    /// `hotload.error.code` says why). Only called with a tracer (`call` checks): without
    /// one a call costs one nil check, no span, no allocation. Kept out of line so that
    /// the untraced call stays as small as before.
    @inline(never)
    func traced(_ tracer: any Tracer, module: String, function: String, args: [Value]) throws(CallError) -> Value {
        let span = tracer.startSpan(NodeTraceNames.call, context: ServiceContext.current ?? .topLevel)
        defer { span.end() }
        span.updateAttributes { attributes in
            attributes[NodeTraceNames.module] = module
            attributes[NodeTraceNames.function] = function
            attributes[NodeTraceNames.release] = release
        }
        do {
            let value = try counted(module: module, function: function, args: args)
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
