internal import CLibPQ
import Foundation

/// Opens a connection with `PQconnectStartParams` / `PQconnectPoll`, waiting on the socket
/// between steps, within the configured timeout.
struct Connector {
    let configuration: ConnectionConfiguration

    func connect() async throws(PQError) -> Connection {
        let target = configuration.redactedDescription
        if let problem = configuration.parseError {
            throw PQError(kind: .invalidConnectionString, message: problem, target: target)
        }
        guard !Task.isCancelled else {
            throw PQError(kind: .cancelled, message: "the task was cancelled before connecting", target: target)
        }
        guard let pointer = start(configuration.connectionParameters()) else {
            throw PQError(kind: .connection, message: "libpq could not allocate a connection", target: target)
        }
        let handle = ConnectionHandle(pointer)
        let deadline = ContinuousClock.now.advanced(by: configuration.connectTimeout)
        var state = PGRES_POLLING_WRITING
        if PQstatus(pointer) == CONNECTION_BAD {
            state = PGRES_POLLING_FAILED
        }
        while state != PGRES_POLLING_OK {
            guard state == PGRES_POLLING_READING || state == PGRES_POLLING_WRITING else {
                throw Self.classify(Redaction.redact(handle.errorMessage, secrets: configuration.secrets), target: target)
            }
            let socket = PQsocket(pointer)
            guard socket >= 0 else { throw Self.classify(Redaction.redact(handle.errorMessage, secrets: configuration.secrets), target: target) }
            let event = try await SocketWait(
                socket: socket, read: state == PGRES_POLLING_READING, write: state == PGRES_POLLING_WRITING,
                deadline: deadline
            ).wait()
            switch event {
            case .timedOut:
                throw PQError(
                    kind: .timeout, message: "no connection within \(Self.seconds(configuration.connectTimeout))",
                    target: target)
            case .cancelled, .interrupted:
                throw PQError(kind: .cancelled, message: "the task was cancelled while connecting", target: target)
            case .ready:
                state = PQconnectPoll(pointer)
            }
        }
        PQsetnonblocking(pointer, 1)
        // libpq prints notices (for example "relation already exists, skipping") to stderr
        // unless told otherwise; a library must not write to the host's stderr.
        PQsetNoticeReceiver(pointer, { _, _ in }, nil)
        let needsISODates = PQparameterStatus(pointer, "DateStyle").map { !String(cString: $0).hasPrefix("ISO") } ?? true
        let connection = Connection(handle: handle, backendPID: PQbackendPID(pointer), target: target)
        if needsISODates {
            try await connection.execute("SET DateStyle TO ISO")
        }
        return connection
    }

    /// `PQconnectStartParams` with the given keywords and values (NUL-terminated C arrays).
    private func start(_ parameters: [(keyword: String, value: String)]) -> OpaquePointer? {
        let keywords: [UnsafeMutablePointer<CChar>?] = parameters.map { strdup($0.keyword) } + [nil]
        let values: [UnsafeMutablePointer<CChar>?] = parameters.map { strdup($0.value) } + [nil]
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let constKeywords = keywords.map { $0.map { UnsafePointer($0) } }
        let constValues = values.map { $0.map { UnsafePointer($0) } }
        return PQconnectStartParams(constKeywords, constValues, 0)
    }

    /// Sorts a connection failure into an invalid option value, authentication, missing
    /// database, overload or unreachable server, from libpq's message.
    static func classify(_ rawMessage: String, target: String) -> PQError {
        let message = rawMessage
            .split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .joined(separator: " ")
        let lower = message.lowercased()
        func error(_ kind: PQError.Kind, _ state: String?) -> PQError {
            PQError(kind: kind, message: message, sqlState: state, target: target)
        }
        // libpq checks option values (port, sslmode, hostaddr, ...) only when it connects.
        if lower.contains("for connection option") || lower.contains("invalid port number")
            || lower.contains("could not match") || lower.contains("could not parse network address")
            || lower.range(of: #"invalid [a-z_]+ value: ""#, options: .regularExpression) != nil
        {
            return error(.invalidConnectionString, nil)
        }
        if lower.contains("password authentication failed") || lower.contains("no password supplied")
            || lower.contains("authentication failed") || lower.contains("password is required")
        {
            return error(.authentication, "28P01")
        }
        if lower.contains("pg_hba.conf") || (lower.contains("role \"") && lower.contains("does not exist")) {
            return error(.authentication, "28000")
        }
        if lower.contains("database \"") && lower.contains("does not exist") {
            return error(.connection, "3D000")
        }
        if lower.contains("too many clients") || lower.contains("remaining connection slots") {
            return error(.connection, "53300")
        }
        if lower.contains("is starting up") || lower.contains("is shutting down") || lower.contains("in recovery mode") {
            return error(.connection, "57P03")
        }
        return error(.connection, nil)
    }

    private static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        guard attoseconds != 0 else { return "\(seconds) s" }
        return "\(Double(seconds) + Double(attoseconds) / 1e18) s"
    }
}
