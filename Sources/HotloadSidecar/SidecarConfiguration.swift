import Foundation

/// What the sidecar allows and how much of the host a client may use.
///
/// The defaults are safe to expose: `/v1/eval` is off, evaluations run on a few threads of
/// their own behind a short queue (so the node's sync, heartbeat and listener never wait
/// for them), every request has a deadline, and connections are capped and closed when idle.
package struct SidecarConfiguration: Sendable {
    /// Serve `POST /v1/eval` (arbitrary expressions over the host environment). Off by
    /// default: a node should run the reviewed code of its channel, not code from the network.
    package var enableEval: Bool
    /// When set, every route but `/healthz` and `/openapi.json` requires `Authorization: Bearer TOKEN`.
    package var token: String?
    /// How long a request may take to send its body and to wait for an evaluation thread.
    /// A running evaluation is not preempted (CEL's cost limits bound it); a request still
    /// queued at the deadline gets 503.
    package var requestTimeout: Duration
    /// Evaluations (calls and evals) running at once, each on a thread of its own.
    package var maxConcurrentEvaluations: Int
    /// Evaluations waiting for a thread; beyond this a request gets 503 at once.
    package var maxQueuedEvaluations: Int
    /// Largest request body; larger ones get 413.
    package var maxRequestBytes: Int
    /// Largest response body; a result whose JSON would be larger gets 422, found before
    /// the bytes are built.
    package var maxResponseBytes: Int
    /// Open connections; further clients wait in the listen backlog until one closes.
    package var maxConnections: Int
    /// A connection that sends nothing for this long (no request, or a request head that
    /// never completes) is closed.
    package var idleTimeout: Duration

    package init(enableEval: Bool = false, token: String? = nil, requestTimeout: Duration = .seconds(5),
                maxConcurrentEvaluations: Int = ProcessInfo.processInfo.activeProcessorCount,
                maxQueuedEvaluations: Int = 64, maxRequestBytes: Int = 1 << 20, maxResponseBytes: Int = 8 << 20,
                maxConnections: Int = 256, idleTimeout: Duration = .seconds(30)) {
        self.enableEval = enableEval
        self.token = token
        self.requestTimeout = requestTimeout
        self.maxConcurrentEvaluations = maxConcurrentEvaluations
        self.maxQueuedEvaluations = maxQueuedEvaluations
        self.maxRequestBytes = maxRequestBytes
        self.maxResponseBytes = maxResponseBytes
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
    }

    /// Checks the numbers.
    package func validate() throws(SidecarConfigurationError) {
        for (label, value) in [("evaluation threads", maxConcurrentEvaluations), ("request body limit", maxRequestBytes),
                               ("response body limit", maxResponseBytes), ("connection limit", maxConnections)]
        where value < 1 {
            throw SidecarConfigurationError(.invalidLimit, "the \(label) must be at least 1")
        }
        if maxQueuedEvaluations < 0 {
            throw SidecarConfigurationError(.invalidLimit, "the evaluation queue length must not be negative")
        }
        if requestTimeout <= .zero || idleTimeout <= .zero {
            throw SidecarConfigurationError(.invalidTimeout, "timeouts must be positive")
        }
        if let token, token.utf8.count < 16 {
            throw SidecarConfigurationError(.invalidToken, "the bearer token must be at least 16 characters")
        }
    }

    /// The token in `path`: its content without surrounding whitespace, at least 16 characters.
    package static func token(fromFile path: String) throws(SidecarConfigurationError) -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SidecarConfigurationError(.unreadableTokenFile, "cannot read the token file \(path)", path: path)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SidecarConfigurationError(.unreadableTokenFile, "the token file \(path) is not UTF-8 text", path: path)
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if token.utf8.count < 16 || token.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value > 0x7E }) {
            throw SidecarConfigurationError(
                .invalidToken, "the token in \(path) must be at least 16 printable ASCII characters without spaces", path: path)
        }
        return token
    }
}

/// A sidecar configuration that was refused: a stable `code`, a `message`, and the token
/// file (`path`) when the refusal is about one.
package struct SidecarConfigurationError: Error, Sendable, CustomStringConvertible {
    /// A stable identifier of the kind of refusal (snake_case; never changes meaning).
    package struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        package let rawValue: String
        package init(rawValue: String) { self.rawValue = rawValue }
        package var description: String { rawValue }

        /// A thread, queue, body or connection limit out of range.
        package static let invalidLimit = Code(rawValue: "invalid_limit")
        /// A timeout that is not positive.
        package static let invalidTimeout = Code(rawValue: "invalid_timeout")
        /// A bearer token that is too short or holds spaces or non-ASCII characters.
        package static let invalidToken = Code(rawValue: "invalid_token")
        /// The token file cannot be read or is not UTF-8 text.
        package static let unreadableTokenFile = Code(rawValue: "unreadable_token_file")
    }

    /// What kind of refusal this is.
    package let code: Code
    /// What is wrong.
    package let message: String
    /// The token file the refusal is about, if any.
    package let path: String?

    init(_ code: Code, _ message: String, path: String? = nil) {
        self.code = code
        self.message = message
        self.path = path
    }

    /// `invalid sidecar configuration: ` and the message.
    package var description: String { "invalid sidecar configuration: \(message)" }
}
