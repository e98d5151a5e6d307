import CEL
import Foundation
import Hummingbird
import HotloadNode
import Logging

/// The `hotload node` HTTP sidecar: routes requests to a `SidecarHandler`.
public enum SidecarServer {
    /// Largest accepted request body; larger ones get 413.
    public static let maxBodyBytes = 1 << 20

    /// An application serving `node` on `host:port`; run it in the node's service group.
    public static func application(node: Node, host: String, port: Int, limits: Limits, logger: Logger)
        -> some ApplicationProtocol
    {
        let handler = SidecarHandler(node: node, metrics: SidecarMetrics(), limits: limits)
        let router = Router()
        router.post("/v1/call/**") { request, _ in
            await timed(handler, request) { body in
                let path = String(request.uri.path.dropFirst("/v1/call/".count))
                return handler.call(path: path, body: body)
            }
        }
        router.post("/v1/eval") { request, _ in
            await timed(handler, request) { body in handler.eval(body: body) }
        }
        router.get("/v1/status") { _, _ in response(handler.status()) }
        router.get("/healthz") { _, _ in response(handler.health()) }
        router.get("/metrics") { _, _ in response(handler.metricsText()) }
        return Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "hotload-node"),
            logger: logger)
    }

    /// Reads the body (413 when too large), runs `body`, records the outcome and latency.
    private static func timed(_ handler: SidecarHandler, _ request: Request,
                              _ run: ([UInt8]) -> (SidecarReply, SidecarMetrics.Outcome)) async -> Response {
        var request = request
        let bytes: [UInt8]
        do {
            let buffer = try await request.collectBody(upTo: maxBodyBytes)
            bytes = Array(buffer.readableBytesView)
        } catch let error as HTTPResponseError where error.status == .contentTooLarge {
            handler.metrics.record(.tooLarge, seconds: 0)
            return response(.error(413, "too_large", "the request body exceeds \(maxBodyBytes) bytes"))
        } catch {
            handler.metrics.record(.badRequest, seconds: 0)
            return response(.error(400, "malformed_request", "the request body could not be read: \(error)"))
        }
        let start = ContinuousClock.now
        let (reply, outcome) = run(bytes)
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        handler.metrics.record(outcome, seconds: seconds)
        return response(reply)
    }

    private static func response(_ reply: SidecarReply) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = reply.contentType
        return Response(status: HTTPResponse.Status(code: reply.status), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body)))
    }
}
