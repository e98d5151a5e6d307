import CEL
import Foundation
import HotloadModules
import HotloadNode
import HotloadSidecar
import HotloadStore
import Hummingbird
import HummingbirdTesting
import InMemoryTracing
import Logging
import Testing
import Tracing

/// The spans of a push, a node's syncs, its calls and the sidecar's requests, recorded by an
/// in-memory tracer bound with `withTracer` for the test's own tasks: nothing is
/// bootstrapped process-wide, so these tests run in parallel with each other and with
/// tests that run untraced.
@Suite("Tracing")
struct TracingTests {
    @Test func pushSpansHaveCheckAndCommitAndTheErrorCode() async throws {
        let fixture = try await NodeFixture.make()
        let tracer = InMemoryTracer()
        let release = try await withTracer(tracer) {
            try await fixture.push(["math/basic": "fn add(a, b) = a + b\n"])
        }
        let error = await #expect(throws: StoreError.self) {
            try await withTracer(tracer) { try await fixture.push(["math/basic": "fn add(a, b) = a + nope\n"]) }
        }
        #expect(error?.code == .checkFailed)
        await fixture.close()

        let pushes = tracer.finished("hotload.push")
        try #require(pushes.count == 2)
        let (pushed, refused) = (pushes[0], pushes[1])
        #expect(pushed.attributes.get("hotload.channel") == .string("main"))
        #expect(pushed.attributes.get("hotload.modules") == .stringArray(["math/basic"]))
        #expect(pushed.attributes.get("hotload.release") == .int64(release))
        #expect(pushed.status == nil && pushed.errors.isEmpty)
        #expect(tracer.children(of: pushed).map(\.operationName) == ["hotload.check", "hotload.commit"])

        #expect(refused.attributes.get("hotload.error.code") == .string("check_failed"))
        #expect(refused.attributes.get("hotload.release") == nil)
        #expect(refused.status?.code == .error && refused.errors.count == 1)
        let checks = tracer.children(of: refused)
        #expect(checks.map(\.operationName) == ["hotload.check"])
        #expect(checks.first?.status?.code == .error)
    }

    @Test func syncSpansAreRootsWithWakeUpStepsAndOutcome() async throws {
        let fixture = try await NodeFixture.make()
        let first = try await fixture.push(["tax": "fn rate() = 20", "price": "import tax\nfn total(x) = x + tax.rate()"])
        let tracer = InMemoryTracer()
        // Started inside a span of the host's: a sync still belongs to no request.
        let running = withTracer(tracer) {
            tracer.withSpan("host") { _ in RunningNode.start(fixture.configuration(name: "traced-sync")) }
        }
        try await running.waitFor(release: first)
        // LISTEN in place asks for a sync of its own: wait for it, lest the push's
        // notification be coalesced with it.
        try await running.waitUntil("the sync after LISTEN") {
            tracer.finished("hotload.sync").contains { $0.attributes.get("hotload.wakeup") == .string("listening") }
        }
        let second = try await fixture.push(["tax": "fn rate() = 25"])
        try await running.waitFor(release: second)
        let broken = try await fixture.push(["tax": "fn rate() = nope"], skipCheck: true)
        try await running.waitUntil("the refusal's span") {
            tracer.finished("hotload.sync").contains { $0.attributes.get("hotload.release") == .int64(broken) }
        }
        await running.stop()
        await fixture.close()

        let syncs = tracer.finished("hotload.sync")
        #expect(syncs.allSatisfy { $0.parentSpanID == nil })
        #expect(syncs.allSatisfy {
            $0.attributes.get("hotload.node") == .string("traced-sync") && $0.attributes.get("hotload.channel") == .string("main")
        })
        func sync(_ release: Int64, _ outcome: String) throws -> FinishedInMemorySpan {
            try #require(syncs.first {
                $0.attributes.get("hotload.release") == .int64(release) && $0.attributes.get("hotload.outcome") == .string(outcome)
            }, "\(syncs.map { ($0.attributes.get("hotload.release"), $0.attributes.get("hotload.outcome"), $0.attributes.get("hotload.wakeup")) })")
        }
        let start = try sync(first, "applied")
        #expect(start.attributes.get("hotload.wakeup") == .string("start"))
        #expect(start.attributes.get("hotload.recompiled") == .int64(2))
        #expect(start.events.map(\.name) == ["swap"])
        #expect(tracer.children(of: start).map(\.operationName) == ["hotload.sync.fetch", "hotload.sync.compile"])

        let listening = try sync(first, "unchanged")
        #expect(listening.attributes.get("hotload.wakeup") == .string("listening"))
        #expect(tracer.children(of: listening).map(\.operationName) == ["hotload.sync.fetch"])

        let notified = try sync(second, "applied")
        #expect(notified.attributes.get("hotload.wakeup") == .string("notification"))
        #expect(notified.attributes.get("hotload.previous_release") == .int64(first))
        // tax changed; price imports it.
        #expect(notified.attributes.get("hotload.recompiled") == .int64(2))

        let refused = try sync(broken, "refused")
        #expect(refused.status?.code == .error)
        #expect(refused.attributes.get("hotload.error.code") != nil)
        #expect(refused.events.isEmpty)
        #expect(tracer.children(of: refused).map(\.operationName) == ["hotload.sync.fetch", "hotload.sync.compile"])
    }

    @Test func aSignedNotificationAppliedWithoutARead() async throws {
        let fixture = try await NodeFixture.make()
        let key = SigningKey()
        let trust = try TrustFile([key])
        defer { trust.remove() }
        let first = try await fixture.pushSigned(["a": "fn v() = 1", "b": "import a\nfn w() = a.v() + 1"], by: [key])
        let tracer = InMemoryTracer()
        var configuration = fixture.configuration(name: "traced-fast", trustFile: trust.path)
        configuration.minSyncInterval = .milliseconds(10)
        let running = withTracer(tracer) { RunningNode.start(configuration) }
        try await running.waitFor(release: first)
        try await running.waitUntil("the sync after LISTEN") {
            tracer.finished("hotload.sync").contains { $0.attributes.get("hotload.wakeup") == .string("listening") }
        }
        let second = try await fixture.pushSigned(["a": "fn v() = 10"], by: [key], wakeup: .payload)
        try await running.waitFor(release: second)
        try await running.waitUntil("the fast path's span") {
            tracer.finished("hotload.sync").contains { $0.attributes.get("hotload.release") == .int64(second) }
        }
        await running.stop()
        await fixture.close()

        #expect(running.node.status.fastPathApplies == 1)
        let fast = try #require(tracer.finished("hotload.sync").first { $0.attributes.get("hotload.release") == .int64(second) })
        #expect(fast.parentSpanID == nil)
        #expect(fast.attributes.get("hotload.wakeup") == .string("signed_notification"))
        #expect(fast.attributes.get("hotload.outcome") == .string("applied"))
        #expect(fast.attributes.get("hotload.recompiled") == .int64(2))
        #expect(fast.events.map(\.name) == ["swap"])
        // No read: the only step is compiling.
        #expect(tracer.children(of: fast).map(\.operationName) == ["hotload.sync.compile"])
    }

    @Test func callSpansCarryModuleFunctionReleaseAndOutcome() async throws {
        let fixture = try await NodeFixture.make()
        let release = try await fixture.push(["math/basic": "fn add(a, b) = a + b\nfn div(a, b) = a / b\n"])
        let tracer = InMemoryTracer()
        let traced = withTracer(tracer) { RunningNode.start(fixture.configuration(name: "traced-calls")) }
        // Created outside the scope: no tracer, so its calls record nothing even inside it.
        let untraced = RunningNode.start(fixture.configuration(name: "untraced-calls"))
        try await traced.waitFor(release: release)
        try await untraced.waitFor(release: release)
        let loaded = try #require(traced.node.current)
        let plain = try #require(untraced.node.current)

        let request = tracer.withSpan("request") { request in
            #expect((try? loaded.call(module: "math/basic", function: "add", args: [.int(40), .int(2)]))?.celEquals(.int(42)) == true)
            if case .error = try? loaded.call(module: "math/basic", function: "div", args: [.int(1), .int(0)]) {} else {
                Issue.record("division by zero is an error value")
            }
            #expect(throws: CallError.self) { try loaded.call(module: "math/basic", function: "nope", args: []) }
            return request.context.inMemorySpanContext
        }
        withTracer(tracer) {
            #expect((try? plain.call(module: "math/basic", function: "add", args: [.int(1), .int(1)]))?.celEquals(.int(2)) == true)
        }
        await traced.stop()
        await untraced.stop()
        await fixture.close()

        let calls = tracer.finished("hotload.call")
        try #require(calls.count == 3)
        for (call, (function, outcome)) in zip(calls, [("add", "ok"), ("div", "error"), ("nope", "refused")]) {
            #expect(call.parentSpanID == request?.spanID && call.traceID == request?.traceID)
            #expect(call.attributes.get("hotload.module") == .string("math/basic"))
            #expect(call.attributes.get("hotload.function") == .string(function))
            #expect(call.attributes.get("hotload.release") == .int64(release))
            #expect(call.attributes.get("hotload.outcome") == .string(outcome))
            #expect((call.status?.code == .error) == (outcome != "ok"), "\(function)")
        }
        #expect(calls[2].attributes.get("hotload.error.code") == .string("unknown_function"))
    }

    @Test func sidecarRequestsContinueTheCallersW3CTrace() async throws {
        let fixture = try await NodeFixture.make()
        let release = try await fixture.push(["math/basic": "fn add(a, b) = a + b\n"])
        let tracer = W3CTestTracer()
        let callTrace = "4bf92f3577b34da6a3ce929d0e0e4736", callParent = "00f067aa0ba902b7"
        let evalTrace = "0af7651916cd43dd8448eb211c80319c", evalParent = "b7ad6b7169203331"
        try await withTracer(tracer) {
            let running = RunningNode.start(fixture.configuration(name: "traced-sidecar"))
            try await running.waitFor(release: release)
            let app = SidecarServer.application(node: running.node, host: "127.0.0.1", port: 0, limits: .default,
                                                logger: Logger(label: "tracing-test"),
                                                configuration: SidecarConfiguration(enableEval: true))
            try await app.test(.router) { client in
                try await client.execute(uri: "/v1/call/math/basic/add", method: .post,
                                         headers: Self.traceHeaders(callTrace, callParent, state: "vendor=opaque"),
                                         body: ByteBuffer(string: #"{"args": [40, 2]}"#)) { response in
                    #expect(response.status == .ok)
                }
                try await client.execute(uri: "/v1/eval", method: .post, headers: Self.traceHeaders(evalTrace, evalParent),
                                         body: ByteBuffer(string: #"{"expr": "1 + 1"}"#)) { response in
                    #expect(response.status == .ok)
                }
                try await client.execute(uri: "/v1/call/math/basic/add", method: .post,
                                         body: ByteBuffer(string: #"{"args": [1, 1]}"#)) { response in
                    #expect(response.status == .ok)
                }
            }
            await running.stop()
        }
        await fixture.close()

        let spans = tracer.spans.finishedSpans
        let servers = spans.filter { $0.kind == .server }
        try #require(servers.count == 3)
        let callRequest = try #require(servers.first { $0.traceID == callTrace })
        #expect(callRequest.parentSpanID == callParent)
        let call = try #require(spans.first { $0.operationName == "hotload.call" && $0.traceID == callTrace })
        #expect(call.parentSpanID == callRequest.spanID)
        #expect(call.attributes.get("hotload.outcome") == .string("ok"))
        #expect(call.context.traceState == "vendor=opaque")

        let evalRequest = try #require(servers.first { $0.traceID == evalTrace })
        #expect(evalRequest.parentSpanID == evalParent)
        let eval = try #require(spans.first { $0.operationName == "hotload.eval" })
        #expect(eval.parentSpanID == evalRequest.spanID && eval.traceID == evalTrace)
        #expect(eval.attributes.get("hotload.release") == .int64(release))
        #expect(eval.attributes.get("hotload.outcome") == .string("ok"))

        // Without a traceparent the request starts a trace of its own.
        let fresh = try #require(servers.first { $0.traceID != callTrace && $0.traceID != evalTrace })
        #expect(fresh.parentSpanID == nil)
        #expect(spans.contains { $0.operationName == "hotload.call" && $0.parentSpanID == fresh.spanID })
    }

    private static func traceHeaders(_ trace: String, _ parent: String, state: String? = nil) -> HTTPFields {
        var headers: HTTPFields = [.init("traceparent")!: "00-\(trace)-\(parent)-01"]
        if let state { headers[.init("tracestate")!] = state }
        return headers
    }
}

extension InMemoryTracer {
    /// The finished spans named `name`, in the order they ended.
    func finished(_ name: String) -> [FinishedInMemorySpan] {
        finishedSpans.filter { $0.operationName == name }
    }

    /// The finished children of `span`, in the order they ended.
    func children(of span: FinishedInMemorySpan) -> [FinishedInMemorySpan] {
        finishedSpans.filter { $0.parentSpanID == span.spanID && $0.traceID == span.traceID }
    }
}
