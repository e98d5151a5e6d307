import Foundation

/// An error from PostgreSQL or from talking to it.
///
/// Carries the server's SQLSTATE, message, detail and hint when there are any, and the server
/// it was for. `description` says what failed and where, with the server's DETAIL and HINT; it
/// never contains a password (every text that could echo a connection string is redacted).
/// Advice about the application's own objects and settings is the application's to add.
public struct PQError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is: a stable code (snake_case `rawValue`). Compare with
    /// `==`; a new kind breaks no caller's `switch`. The server's own code is `sqlState`.
    public struct Kind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The server could not be reached or refused the session (not for a bad password).
        public static let connection = Kind(rawValue: "connection")
        /// The connection string is malformed or sets an invalid value (for example a port
        /// that is not a number); nothing was sent to any server.
        public static let invalidConnectionString = Kind(rawValue: "invalid_connection_string")
        /// The server rejected the user or password.
        public static let authentication = Kind(rawValue: "authentication")
        /// The server reported an error for a statement.
        public static let query = Kind(rawValue: "query")
        /// A result value could not be decoded into the requested Swift type.
        public static let decoding = Kind(rawValue: "decoding")
        /// Connecting took longer than the configured timeout.
        public static let timeout = Kind(rawValue: "timeout")
        /// The connection is closed: closed by the application, terminated by the server, or lost.
        public static let closed = Kind(rawValue: "closed")
        /// The calling task was cancelled. A statement interrupted while running closes the
        /// connection (its protocol state is unknown); one cancelled before it was sent does not.
        public static let cancelled = Kind(rawValue: "cancelled")
    }

    /// What kind of failure this is.
    public var kind: Kind
    /// The five-character SQLSTATE code (for example `42P01`), when the server sent one.
    public var sqlState: String?
    /// The primary message (redacted).
    public var message: String
    /// The server's DETAIL, if any.
    public var detail: String?
    /// The server's HINT, if any.
    public var hint: String?
    /// The server the connection was for, without password (for example
    /// `postgres@127.0.0.1:5432/app`).
    public var target: String?
    /// The statement that failed (parameterised SQL, so it holds no values), if any.
    public var statement: String?

    /// Makes an error. Every text is redacted (see `Redaction`).
    public init(
        kind: Kind, message: String, sqlState: String? = nil, detail: String? = nil, hint: String? = nil,
        target: String? = nil, statement: String? = nil
    ) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = Redaction.redact(message)
        self.detail = detail.map(Redaction.redact)
        self.hint = hint.map(Redaction.redact)
        self.target = target.map(Redaction.redact)
        self.statement = statement
    }

    /// The SQLSTATE's condition name (for example `undefined_table`), when known.
    public var conditionName: String? {
        sqlState.flatMap(SQLState.conditionName)
    }

    /// A one-line summary: kind, SQLSTATE and condition, message.
    public var headline: String {
        switch kind {
        case .query:
            let code = sqlState.map { state in conditionName.map { "\(state) (\($0))" } ?? state }
            return "PostgreSQL error" + (code.map { " \($0)" } ?? "") + ": " + message
        case .connection:
            return "cannot connect to PostgreSQL" + (target.map { " at \($0)" } ?? "") + ": " + message
        case .invalidConnectionString:
            return "invalid connection string: " + message
        case .authentication:
            return "PostgreSQL authentication failed" + (target.map { " at \($0)" } ?? "") + ": " + message
        case .timeout:
            return "timed out" + (target.map { " connecting to PostgreSQL at \($0)" } ?? "") + ": " + message
        case .closed:
            return "the PostgreSQL connection" + (target.map { " to \($0)" } ?? "") + " is closed: " + message
        case .decoding:
            return "cannot decode a PostgreSQL result: " + message
        case .cancelled:
            return "cancelled: " + message
        default:
            return "\(kind): " + message
        }
    }

    public var description: String {
        var lines = [headline]
        if let detail, !detail.isEmpty { lines.append("DETAIL: \(detail)") }
        if let hint, !hint.isEmpty { lines.append("HINT: \(hint)") }
        return lines.joined(separator: "\n")
    }
}

extension PQError: LocalizedError {
    /// The same text as `description`, for code that prints `localizedDescription`.
    public var errorDescription: String? { description }
}
