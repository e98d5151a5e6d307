import Hummingbird

/// Answers 405 with `Allow` (RFC 9110) to a method the sidecar does not serve on one of its
/// paths: the router alone answers 404, as if the path did not exist. Other paths pass on
/// (and get the router's 404).
struct AllowedMethods: RouterMiddleware {
    typealias Context = SidecarRequestContext

    let gate: RequestGate

    /// The method the sidecar serves on `path`; nil for a path it does not have. The same
    /// routes as `openapi.json` (`OpenAPIContractTests` checks that the two agree). Empty
    /// segments are ignored, as the router ignores them (`/healthz/` is `/healthz`).
    static func method(for path: String) -> HTTPRequest.Method? {
        let segments = path.split(separator: "/")
        switch segments.count {
        case 1: return ["healthz", "metrics", "openapi.json"].contains(segments[0]) ? .get : nil
        case 2 where segments[0] == "v1": return segments[1] == "eval" ? .post : segments[1] == "status" ? .get : nil
        default: return segments.count > 2 && segments[0] == "v1" && segments[1] == "call" ? .post : nil
        }
    }

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let allowed = Self.method(for: request.uri.path), request.method != allowed else {
            return try await next(request, context)
        }
        var response = gate.respond(.error(405, "method_not_allowed", "this path serves only \(allowed.rawValue)"))
        response.headers[.allow] = allowed.rawValue
        return response
    }
}
