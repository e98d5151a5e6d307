import HotloadStore
import PQ

/// The node's query connection: target reads, release fetches and status writes, one at a
/// time, reopened on demand after it failed.
///
/// Operations are serialised here (FIFO) rather than relying on the connection: an actor
/// method that suspends can be re-entered, and libpq runs one query at a time.
actor QueryConnection {
    private let configuration: ConnectionConfiguration
    /// Runs on every new connection before any operation uses it.
    private let onConnect: (@Sendable (Connection) async -> Void)?
    private var connection: Connection?
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(configuration: ConnectionConfiguration, onConnect: (@Sendable (Connection) async -> Void)? = nil) {
        self.configuration = configuration
        self.onConnect = onConnect
    }

    /// Opens the connection now (to fail fast at start).
    func open() async throws(PQError) {
        await acquire()
        defer { release() }
        if connection == nil {
            let conn = try await Self.connect(configuration)
            await onConnect?(conn)
            connection = conn
        }
    }

    /// Runs `body` with the store's node statements on the connection, opening it first if
    /// needed. A connection-level failure drops the connection so that the next operation
    /// reconnects.
    func run<T: Sendable>(_ body: @Sendable (NodeSession) async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        let conn: Connection
        if let existing = connection {
            conn = existing
        } else {
            conn = try await Self.connect(configuration)
            await onConnect?(conn)
            connection = conn
        }
        do {
            return try await body(NodeSession(conn))
        } catch let error as PQError where error.kind != .query && error.kind != .decoding {
            connection = nil
            await conn.close()
            throw error
        }
    }

    /// Connects and settles the session for the store's node statements (`NodeSession.settle`).
    private static func connect(_ configuration: ConnectionConfiguration) async throws(PQError) -> Connection {
        let conn = try await Connection.connect(configuration)
        do {
            try await NodeSession.settle(conn)
        } catch {
            await conn.close()
            throw error
        }
        return conn
    }

    /// Closes the connection; a later operation reopens it.
    func close() async {
        if let conn = connection {
            connection = nil
            await conn.close()
        }
    }

    private func acquire() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}
