import CEL
import Foundation
import Hummingbird
import HotloadNode
import Logging
import HummingbirdCore
import NIOCore

/// The `hotload node` HTTP sidecar: routes requests to a `SidecarHandler`.
package enum SidecarServer {
    /// The default largest request body; larger ones get 413.
    package static let maxBodyBytes = SidecarConfiguration().maxRequestBytes

    /// An application serving `node` on `host:port`; run it in the node's service group.
    /// An empty `host` or `0.0.0.0` binds every interface. `GET /metrics` serves
    /// `prometheus`, where the sidecar records its own figures; the node's are there when
    /// it was created with `prometheus.factory` (`hotload node` bootstraps it).
    package static func application(node: Node, host: String, port: Int, limits: Limits, logger: Logger,
                                   configuration: SidecarConfiguration = SidecarConfiguration(),
                                   prometheus: PrometheusBackend = PrometheusBackend())
        -> some ApplicationProtocol
    {
        let handler = SidecarHandler(node: node, metrics: SidecarMetrics(factory: prometheus.factory), limits: limits,
                                     maxResponseBytes: configuration.maxResponseBytes)
        let pool = EvaluationPool(threads: configuration.maxConcurrentEvaluations,
                                  queueLimit: configuration.maxQueuedEvaluations)
        let gate = RequestGate(configuration: configuration, handler: handler, pool: pool)
        let router = Router(context: SidecarRequestContext.self)
        router.add(middleware: AllowedMethods(gate: gate))
        // A server span per evaluation request (SidecarTracing).
        let evaluations = router.group().add(middleware: TracingMiddleware())
        evaluations.post("/v1/call/**") { request, context in
            await gate.evaluate(request, context) { body in
                let path = String(request.uri.path.dropFirst("/v1/call/".count))
                return handler.call(path: path, body: body)
            }
        }
        evaluations.post("/v1/eval") { request, context in
            // Unauthenticated clients learn nothing, not even whether eval is enabled.
            if let refusal = gate.refusal(request) { return gate.respond(refusal) }
            guard configuration.enableEval else {
                return gate.respond(.error(404, "eval_disabled", "/v1/eval is disabled on this node"))
            }
            return await gate.evaluate(request, context) { body in handler.traced { handler.eval(body: body) } }
        }
        router.get("/v1/status") { request, _ in gate.authorized(request) { handler.status() } }
        router.get("/metrics") { request, _ in gate.authorized(request) { prometheus.exposition() } }
        router.get("/healthz") { _, _ in gate.respond(handler.health()) }
        router.get("/openapi.json") { _, _ in gate.respond(OpenAPIDocument.reply()) }
        return Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .nanoseconds(Int64(configuration.idleTimeout / .nanoseconds(1))))),
            configuration: ApplicationConfiguration(
                address: .hostname(host.isEmpty ? "0.0.0.0" : host, port: port), serverName: "hotload-node",
                availableConnectionsDelegate: MaximumAvailableConnections(configuration.maxConnections)),
            logger: logger)
    }
}

/// Keeps the connection with the request, so that a body that has not arrived by the
/// request's deadline can be cut off.
struct SidecarRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        channel = source.channel
    }
}

/// What every request passes on its way to the handler: the token, the body limits and
/// deadline, the evaluation pool.
struct RequestGate: Sendable {
    let configuration: SidecarConfiguration
    let handler: SidecarHandler
    let pool: EvaluationPool
    private let token: BearerToken?

    init(configuration: SidecarConfiguration, handler: SidecarHandler, pool: EvaluationPool) {
        self.configuration = configuration
        self.handler = handler
        self.pool = pool
        token = configuration.token.map(BearerToken.init)
    }

    /// `reply()` when the request carries the token (or none is configured), else 401.
    func authorized(_ request: Request, _ reply: () -> SidecarReply) -> Response {
        if let refusal = refusal(request) { return respond(refusal) }
        return respond(reply())
    }

    /// The 401 for a request without the token; nil when it may pass.
    func refusal(_ request: Request) -> SidecarReply? {
        guard let token, !token.accepts(request.headers[.authorization]) else { return nil }
        var reply = SidecarReply.error(401, "unauthorized", "this node requires Authorization: Bearer <token>")
        reply.bearerChallenge = true
        return reply
    }

    /// Checks the token, reads the body within the deadline (413 when too large, 408 when
    /// late), runs `run` on the evaluation pool (503 when saturated or still queued at the
    /// deadline), and records the outcome and latency.
    func evaluate(_ request: Request, _ context: SidecarRequestContext,
                  _ run: @escaping @Sendable ([UInt8]) -> (SidecarReply, SidecarMetrics.Outcome)) async -> Response {
        if let refusal = refusal(request) {
            handler.metrics.record(.unauthorized, seconds: 0)
            return respond(refusal)
        }
        let deadline = ContinuousClock.now + configuration.requestTimeout
        let bytes: [UInt8]
        switch await readBody(request, context.channel, deadline: deadline) {
        case .success(let read):
            bytes = read
        case .failure(let reply):
            handler.metrics.record(reply.status == 413 ? .tooLarge : .badRequest, seconds: 0)
            return respond(reply)
        }
        let start = ContinuousClock.now
        switch await pool.run(deadline: deadline, SidecarTracing.inCurrentContext { run(bytes) }) {
        case .done(let (reply, outcome)):
            let elapsed = ContinuousClock.now - start
            handler.metrics.record(outcome, seconds: elapsed.inSeconds)
            return respond(reply)
        case .busy, .timedOut:
            handler.metrics.record(.busy, seconds: 0)
            var reply = SidecarReply.error(503, "busy", "too many evaluations are running or waiting; retry later")
            reply.retryAfterSeconds = 1
            return respond(reply)
        }
    }

    /// The body, or the reply refusing it. A body still incomplete at the deadline ends the
    /// connection: a client trickling bytes cannot hold a connection beyond it.
    private func readBody(_ request: Request, _ channel: any Channel,
                          deadline: ContinuousClock.Instant) async -> Result<[UInt8], SidecarReply> {
        let watchdog = Task {
            try? await Task.sleep(until: deadline)
            if !Task.isCancelled { channel.close(promise: nil) }
        }
        defer { watchdog.cancel() }
        do {
            let buffer = try await request.body.collect(upTo: configuration.maxRequestBytes)
            return .success(Array(buffer.readableBytesView))
        } catch let error as HTTPResponseError where error.status == .contentTooLarge {
            return .failure(.error(413, "too_large", "the request body exceeds \(configuration.maxRequestBytes) bytes"))
        } catch {
            if ContinuousClock.now >= deadline {
                return .failure(.error(408, "timeout", "the request body did not arrive in time"))
            }
            return .failure(.error(400, "malformed_request", "the request body could not be read"))
        }
    }

    func respond(_ reply: SidecarReply) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = reply.contentType
        if reply.bearerChallenge { headers[.wwwAuthenticate] = "Bearer" }
        if let seconds = reply.retryAfterSeconds { headers[.retryAfter] = String(seconds) }
        return Response(status: HTTPResponse.Status(code: reply.status), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body)))
    }
}
