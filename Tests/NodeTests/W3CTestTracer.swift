import InMemoryTracing
import Tracing

/// An `InMemoryTracer` that reads a W3C Trace Context (`traceparent`, `tracestate`) from a
/// carrier, as an OpenTelemetry tracer does. `InMemoryTracer.extract` reads only its own
/// keys (`in-memory-trace-id`, `in-memory-span-id`), so it cannot show that the sidecar
/// hands the request's headers to the tracer; a dependency on a W3C library for these few
/// lines of parsing is not worth it. Spans are the wrapped tracer's: the trace id is the
/// 32 hex digits sent, the parent span id the 16 sent.
struct W3CTestTracer: Tracer {
    typealias Span = InMemorySpan

    let spans = InMemoryTracer()

    func startSpan<Instant: TracerInstant>(_ operationName: String, context: @autoclosure () -> ServiceContext,
                                           ofKind kind: SpanKind, at instant: @autoclosure () -> Instant,
                                           function: String, file fileID: String, line: UInt) -> InMemorySpan {
        spans.startSpan(operationName, context: context(), ofKind: kind, at: instant(), function: function,
                        file: fileID, line: line)
    }

    func activeSpan(identifiedBy context: ServiceContext) -> InMemorySpan? {
        spans.activeSpan(identifiedBy: context)
    }

    func forceFlush() {}

    func inject<Carrier, Inject: Injector>(_ context: ServiceContext, into carrier: inout Carrier,
                                           using injector: Inject) where Carrier == Inject.Carrier {
        spans.inject(context, into: &carrier, using: injector)
    }

    /// `version-traceid-parentid-flags` (version `00`, lowercase hex, ids not all zero);
    /// anything else leaves the context alone, as the W3C recommendation asks.
    func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout ServiceContext,
                                              using extractor: Extract) where Carrier == Extract.Carrier {
        guard let header = extractor.extract(key: "traceparent", from: carrier) else { return }
        let fields = header.split(separator: "-", omittingEmptySubsequences: false)
        func isID(_ field: Substring, _ length: Int) -> Bool {
            field.utf8.count == length && field.allSatisfy { $0.isHexDigit && !$0.isUppercase } && field.contains { $0 != "0" }
        }
        guard fields.count == 4, fields[0] == "00", isID(fields[1], 32), isID(fields[2], 16), fields[3].utf8.count == 2
        else { return }
        context.inMemorySpanContext = InMemorySpanContext(traceID: String(fields[1]), spanID: String(fields[2]),
                                                          parentSpanID: nil)
        context.traceState = extractor.extract(key: "tracestate", from: carrier)
    }
}

private enum TraceStateKey: ServiceContextKey {
    typealias Value = String
}

extension ServiceContext {
    /// The `tracestate` header extracted with the `traceparent` (`W3CTestTracer`).
    var traceState: String? {
        get { self[TraceStateKey.self] }
        set { self[TraceStateKey.self] = newValue }
    }
}
