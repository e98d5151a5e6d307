import CEL
import Foundation
import HotloadModules
import HotloadNode

/// A reply before it becomes an HTTP response: status, content type, body bytes and the
/// two extra headers the sidecar may send.
struct SidecarReply: Error, Sendable {
    var status: Int
    var contentType = "application/json"
    var body: [UInt8]
    /// Sends `WWW-Authenticate: Bearer` (with a 401).
    var bearerChallenge = false
    /// Sends `Retry-After` (with every 503 of a call or eval).
    var retryAfterSeconds: Int?

    /// 503 `not_loaded` with `Retry-After: 1`: a node loads its first release moments after
    /// it starts (or when the database comes back).
    static var notLoaded: SidecarReply {
        var reply = SidecarReply.error(503, "not_loaded", "no release is loaded yet")
        reply.retryAfterSeconds = 1
        return reply
    }

    /// `{"error": {"code": CODE, "message": MESSAGE}}`.
    static func error(_ status: Int, _ code: String, _ message: String) -> SidecarReply {
        var inner = CELMap()
        inner.insert(key: .string("code"), value: .string(code))
        inner.insert(key: .string("message"), value: .string(message))
        var outer = CELMap()
        outer.insert(key: .string("error"), value: .map(inner))
        return SidecarReply(status: status, body: (try? Value.map(outer).jsonData()) ?? Array("{}".utf8))
    }
}

/// Turns sidecar requests into replies using the node's current release. Independent of
/// the HTTP framework; lock-free on the call path like the node itself. Error messages name
/// the problem in the request, never internal state (no Swift error descriptions).
struct SidecarHandler: Sendable {
    let node: Node
    let metrics: SidecarMetrics
    let limits: Limits
    /// Largest response body; checked on the result before its JSON is built.
    let maxResponseBytes: Int

    /// `POST /v1/call/{module path}/{function}` with `{"args": [...]}`. The path may be
    /// percent-encoded: generated clients send a module path's `/` as `%2F`.
    func call(path: String, body: [UInt8]) -> (SidecarReply, SidecarMetrics.Outcome) {
        guard let path = path.contains("%") ? path.removingPercentEncoding : path else {
            return (.error(400, "malformed_request", "the path is not valid percent-encoded UTF-8"), .badRequest)
        }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count >= 2, let function = segments.last, !function.isEmpty else {
            return (.error(404, "unknown_function", "the path must be /v1/call/{module path}/{function}"), .notFound)
        }
        let module = segments.dropLast().joined(separator: "/")
        let args: [Value]
        switch parseObject(body) {
        case .failure(let reply):
            return (reply, .badRequest)
        case .success(let fields):
            switch fields["args"] {
            case .list(let list)?: args = list
            case nil: args = []
            default: return (.error(400, "malformed_request", "\"args\" must be an array"), .badRequest)
            }
        }
        guard let loaded = node.current else {
            return (.notLoaded, .notLoaded)
        }
        let value: Value
        do {
            value = try loaded.call(module: module, function: String(function), args: args)
        } catch {
            switch error.code {
            case .unknownModule: return (.error(404, "unknown_module", error.message), .notFound)
            case .wrongArity: return (.error(422, "wrong_arity", error.message), .evaluationError)
            // A private function is not revealed as such.
            default: return (.error(404, "unknown_function", error.message), .notFound)
            }
        }
        return result(value, release: loaded.release)
    }

    /// `POST /v1/eval` with `{"expr": "...", "bindings": {...}}`: an expression over the
    /// host environment (not the modules), evaluated on the current release's snapshot.
    func eval(body: [UInt8]) -> (SidecarReply, SidecarMetrics.Outcome) {
        let fields: [String: Value]
        switch parseObject(body) {
        case .failure(let reply): return (reply, .badRequest)
        case .success(let parsed): fields = parsed
        }
        guard case .string(let expr)? = fields["expr"] else {
            return (.error(400, "malformed_request", "\"expr\" must be a string"), .badRequest)
        }
        var bindings: [String: Value] = [:]
        switch fields["bindings"] {
        case .map(let map)?:
            for (key, value) in zip(map.keys, map.values) {
                guard case .string(let name) = key else {
                    return (.error(400, "malformed_request", "binding names must be strings"), .badRequest)
                }
                bindings[name] = value
            }
        case nil, .null?:
            break
        default:
            return (.error(400, "malformed_request", "\"bindings\" must be an object"), .badRequest)
        }
        guard let loaded = node.current else {
            return (.notLoaded, .notLoaded)
        }
        let program: Program
        do {
            program = try loaded.snapshot.compileExpression(expr, variables: Array(bindings.keys))
        } catch {
            let message = error.diagnostics.map(\.headline).joined(separator: "\n")
            return (.error(422, "compile_error", message), .evaluationError)
        }
        return result(program.evaluate(bindings), release: loaded.release)
    }

    /// `{"result": ..., "release": N}`, or a 422 for an error value, a result without a
    /// JSON form, or one larger than `maxResponseBytes`.
    private func result(_ value: Value, release: Int64) -> (SidecarReply, SidecarMetrics.Outcome) {
        if case .error(let error) = value {
            return (.error(422, "evaluation_error", error.message), .evaluationError)
        }
        if ResponseLimits.exceeds(value, limit: maxResponseBytes - 64) {
            return (.error(422, "result_too_large", "the result's JSON would exceed \(maxResponseBytes) bytes"),
                    .evaluationError)
        }
        let json: [UInt8]
        do {
            json = try value.jsonData()
        } catch {
            return (.error(422, "unrepresentable_result", "the result has no JSON form: \(error)"), .evaluationError)
        }
        var body = Array("{\"result\":".utf8)
        body.append(contentsOf: json)
        body.append(contentsOf: Array(",\"release\":\(release)}".utf8))
        return (SidecarReply(status: 200, body: body), .ok)
    }

    /// The request body as a JSON object; an empty body is an empty object.
    private func parseObject(_ body: [UInt8]) -> Result<[String: Value], SidecarReply> {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return .success([:]) }
        let value: Value
        do {
            value = try Value(json: body, limits: limits)
        } catch {
            return .failure(.error(400, "malformed_request", "the body is not valid JSON: \(error)"))
        }
        guard case .map(let map) = value else {
            return .failure(.error(400, "malformed_request", "the body must be a JSON object"))
        }
        var fields: [String: Value] = [:]
        for (key, value) in zip(map.keys, map.values) {
            if case .string(let name) = key { fields[name] = value }
        }
        return .success(fields)
    }

    /// `GET /v1/status`.
    func status() -> SidecarReply {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let data = (try? encoder.encode(node.status)) ?? Data("{}".utf8)
        return SidecarReply(status: 200, body: Array(data))
    }

    /// `GET /healthz`: 200 once a release is loaded, 503 before.
    func health() -> SidecarReply {
        if let loaded = node.current {
            return SidecarReply(status: 200, contentType: "text/plain; charset=utf-8",
                                body: Array("ok release \(loaded.release)\(loaded.stale ? " (stale)" : "")\n".utf8))
        }
        return SidecarReply(status: 503, contentType: "text/plain; charset=utf-8", body: Array("no release loaded\n".utf8))
    }
}
