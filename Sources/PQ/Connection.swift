internal import CLibPQ

/// One PostgreSQL session, driven without blocking threads.
///
/// Every statement is sent with parameters (`$1`, `$2`, …) kept apart from the SQL text.
/// Results come back by waiting on the connection's socket through the process's epoll
/// `Reactor`, so a thousand idle or waiting connections cost no threads.
///
/// Calls on one connection run one at a time, in arrival order; a `transaction` holds the
/// connection for its whole body. A call that arrives while `waitForNotifications` is waiting
/// ends that wait early (it returns what it has) so the call is not held up.
public actor Connection {
    /// The server process serving this session (`pg_backend_pid()`); use it with
    /// `pg_terminate_backend` or to recognise one's own notifications.
    public nonisolated let backendPID: Int32
    /// Where this connection goes, without password (for messages).
    public nonisolated let target: String

    /// The libpq connection; `nil` once closed.
    var handle: ConnectionHandle?
    /// Why the connection is closed, once it is.
    var closedReason: String?
    /// The socket wait in progress, so `close()` and waiting callers can end it.
    var currentWait: SocketWait?
    /// Whether the wait in progress belongs to `waitForNotifications` (and may be cut short).
    var waitingForNotifications = false
    /// Serialises callers; held by one statement, or by a transaction for its whole body.
    var sessionLock = FIFOLock()
    /// Serialises statements issued from inside a transaction body (which may use child tasks).
    var statementLock = FIFOLock()
    /// Names of the statements prepared on this session, by SQL text.
    var preparedNames: [String: String] = [:]
    /// Statements prepared so far; numbers the names.
    var preparedCount = 0

    init(handle: ConnectionHandle, backendPID: Int32, target: String) {
        self.handle = handle
        self.backendPID = backendPID
        self.target = target
    }

    /// Opens a connection, waiting at most `configuration.connectTimeout`.
    ///
    /// Host name resolution happens inside libpq and is not covered by the timeout; use an IP
    /// address (or `hostaddr`) where that matters.
    public static func connect(_ configuration: ConnectionConfiguration) async throws(PQError) -> Connection {
        try await Connector(configuration: configuration).connect()
    }

    /// Opens a connection to a `postgresql://` URL or conninfo string; `nil` or empty uses
    /// libpq's environment defaults (`PGHOST`, `PGDATABASE`, …).
    public static func connect(_ urlOrConninfo: String?) async throws(PQError) -> Connection {
        try await connect(ConnectionConfiguration(urlOrConninfo))
    }

    /// Runs a statement and returns its rows.
    public func query(_ sql: String, _ parameters: [PQValue] = []) async throws(PQError) -> QueryResult {
        let lock = try await enter()
        defer { leave(lock) }
        return try await run(sql, parameters)
    }

    /// Runs a statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [PQValue] = []) async throws(PQError) -> Int {
        try await query(sql, parameters).affectedRows
    }

    /// Runs a prepared statement and returns its rows, preparing it on this connection
    /// first if it has not been yet. The first call's parameter types become the
    /// statement's. A statement the server no longer knows (after `DEALLOCATE` or
    /// `DISCARD ALL`) is prepared again once.
    public func query(_ statement: PreparedStatement, _ parameters: [PQValue] = []) async throws(PQError) -> QueryResult {
        let lock = try await enter()
        defer { leave(lock) }
        if let name = preparedNames[statement.sql] {
            do {
                return try await run(.executePrepared(name: name, sql: statement.sql, parameters))
            } catch where error.sqlState == SQLState.invalidStatementName {
                preparedNames[statement.sql] = nil
            }
        }
        preparedCount += 1
        let name = "pq_prepared_\(preparedCount)"
        _ = try await run(.prepare(name: name, sql: statement.sql, parameters))
        preparedNames[statement.sql] = name
        return try await run(.executePrepared(name: name, sql: statement.sql, parameters))
    }

    /// Runs a prepared statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ statement: PreparedStatement, _ parameters: [PQValue] = []) async throws(PQError) -> Int {
        try await query(statement, parameters).affectedRows
    }

    /// Runs a script of several statements separated by semicolons (a migration file, for
    /// example) with the simple query protocol. It takes no parameters: never build a script
    /// from values. Unless the script has its own `BEGIN`/`COMMIT`, PostgreSQL runs it as one
    /// transaction.
    public func executeScript(_ sql: String) async throws(PQError) {
        let lock = try await enter()
        defer { leave(lock) }
        _ = try await run(sql, nil)
    }

    /// Runs `body` in a transaction: `BEGIN`, then `COMMIT` when it returns, or `ROLLBACK` when
    /// it throws (any error), after which the error is rethrown. Nested calls use savepoints.
    /// If a statement in the body failed and the body swallowed the error, `COMMIT` is refused
    /// by the server and this throws (SQLSTATE 25P02): nothing was committed.
    ///
    /// The body has the connection to itself: other callers wait until the transaction ends.
    /// If the rollback itself fails, the connection is closed rather than left mid-transaction.
    public func transaction<T: Sendable>(_ body: @Sendable (isolated Connection) async throws -> T) async throws -> T {
        let key = ObjectIdentifier(self)
        if TransactionContext.owners.contains(key) {
            return try await savepoint(body)
        }
        guard await acquire(.session) else { throw closedError() }
        defer { release(.session) }
        return try await TransactionContext.$owners.withValue(TransactionContext.owners.union([key])) {
            _ = try await self.statement("BEGIN")
            let value: T
            do {
                value = try await body(self)
            } catch {
                await rollback("ROLLBACK")
                throw error
            }
            let tag: String
            do {
                tag = try await self.statement("COMMIT").commandTag
            } catch {
                await rollback("ROLLBACK")
                throw error
            }
            // COMMIT of a transaction in which a statement failed (and the body caught the
            // error) is answered with ROLLBACK: nothing was committed.
            guard tag != "ROLLBACK" else {
                throw PQError(
                    kind: .query, message: "the transaction was rolled back because a statement in it failed",
                    sqlState: "25P02", target: target)
            }
            return value
        }
    }

    /// `LISTEN` on `channel` (quoted as an identifier, so any name is safe).
    public func listen(_ channel: String) async throws(PQError) {
        try await execute("LISTEN " + (try Self.quoteIdentifier(channel)))
    }

    /// `UNLISTEN` `channel`.
    public func unlisten(_ channel: String) async throws(PQError) {
        try await execute("UNLISTEN " + (try Self.quoteIdentifier(channel)))
    }

    /// Sends a notification with `pg_notify` (in the current transaction, if any).
    public func notify(_ channel: String, payload: String = "") async throws(PQError) {
        _ = try await query("SELECT pg_notify($1, $2)", [.text(channel), .text(payload)])
    }

    /// Waits until at least one notification arrived on a channel this connection listens to,
    /// or `timeout` passed, and returns the notifications received (possibly none).
    ///
    /// Returns early, possibly with none, when the task is cancelled or another call needs
    /// the connection. Throws `.closed` when the session ended (server restart, terminated
    /// backend, network loss; TCP keepalives bound how long a silent peer goes unnoticed).
    public func waitForNotifications(timeout: Duration) async throws(PQError) -> [PQNotification] {
        if Task.isCancelled { return [] }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        let lock: HeldLock
        do {
            lock = try await enter()
        } catch {
            // Cancelled while waiting for its turn: nothing to report, as documented.
            if error.kind == .cancelled { return [] }
            throw error
        }
        defer { leave(lock) }
        return try await receiveNotifications(until: deadline)
    }

    /// Closes the connection. Calls waiting for it, and any wait in progress, end with
    /// `.closed`. Closing twice does nothing.
    public func close() {
        markClosed("the connection was closed by the application")
    }

    /// Whether the connection is closed (by `close()` or because the session ended).
    public var isClosed: Bool { handle == nil || closedReason != nil }

    /// Quotes `name` as an SQL identifier (`"name"`, doubling inner quotes).
    static func quoteIdentifier(_ name: String) throws(PQError) -> String {
        guard !name.isEmpty, !name.utf8.contains(0) else {
            throw PQError(kind: .query, message: "a channel name must be non-empty and contain no NUL character")
        }
        return "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    // MARK: - Serialising callers

    enum HeldLock { case session, statement }

    /// Waits for this caller's turn. Inside a transaction body (of this connection) that is
    /// the statement lock; elsewhere the session lock.
    func enter() async throws(PQError) -> HeldLock {
        guard !Task.isCancelled else {
            throw PQError(kind: .cancelled, message: "the task was cancelled before the statement was sent", target: target)
        }
        let insideTransaction = TransactionContext.owners.contains(ObjectIdentifier(self))
        let kind: HeldLock = insideTransaction ? .statement : .session
        guard await acquire(kind) else { throw closedError() }
        guard !isClosed else {
            release(kind)
            throw closedError()
        }
        // Cancelled while waiting for its turn: give the turn back before sending anything.
        guard !Task.isCancelled else {
            release(kind)
            throw PQError(kind: .cancelled, message: "the task was cancelled before the statement was sent", target: target)
        }
        return kind
    }

    /// Takes `lock`, waiting in line if needed; `false` when the connection closed meanwhile.
    private func acquire(_ lock: HeldLock) async -> Bool {
        let free = lock == .session ? sessionLock.tryAcquire() : statementLock.tryAcquire()
        if free { return true }
        // Someone holds the connection: cut a notification wait short rather than queue behind it.
        if waitingForNotifications { currentWait?.interrupt() }
        return await withCheckedContinuation { (waiter: CheckedContinuation<Bool, Never>) in
            switch lock {
            case .session: sessionLock.enqueue(waiter)
            case .statement: statementLock.enqueue(waiter)
            }
        }
    }

    func leave(_ lock: HeldLock) {
        release(lock)
    }

    private func release(_ lock: HeldLock) {
        switch lock {
        case .session: sessionLock.release()
        case .statement: statementLock.release()
        }
    }

    /// Runs one statement for `transaction` (which already holds the session lock).
    private func statement(_ sql: String) async throws(PQError) -> QueryResult {
        let lock = try await enter()
        defer { leave(lock) }
        return try await run(sql, [])
    }

    /// Rolls back even when the task is cancelled (in a task of its own, which is not), and
    /// closes the connection if that fails: it must never be handed on inside a transaction.
    private func rollback(_ sql: String) async {
        guard !isClosed else { return }
        let rolledBack = await Task { () async -> Bool in
            (try? await self.statement(sql)) != nil
        }.value
        if !rolledBack {
            markClosed("rolling back failed, so the connection was closed")
        }
    }

    private func savepoint<T: Sendable>(_ body: @Sendable (isolated Connection) async throws -> T) async throws -> T {
        let name = "pq_savepoint_\(UInt32.random(in: 0...UInt32.max))"
        _ = try await statement("SAVEPOINT \(name)")
        do {
            let value = try await body(self)
            _ = try await statement("RELEASE SAVEPOINT \(name)")
            return value
        } catch {
            await rollback("ROLLBACK TO SAVEPOINT \(name)")
            throw error
        }
    }

    // MARK: - Closing

    /// Closes with `reason`. A socket wait in progress is interrupted first; its operation
    /// frees libpq's state once the wait has released the socket.
    func markClosed(_ reason: String) {
        guard closedReason == nil else { return }
        closedReason = reason
        if let currentWait {
            // A statement on the wire: ask the server to stop it rather than run on unseen.
            if !waitingForNotifications, let pointer = handle?.pointer {
                ServerCancel.send(for: pointer)
            }
            currentWait.interrupt()
        } else {
            handle?.finish()
            handle = nil
        }
        sessionLock.failWaiters()
        statementLock.failWaiters()
    }

    func closedError() -> PQError {
        PQError(kind: .closed, message: closedReason ?? "the connection is closed", target: target)
    }
}

/// Which connections the current task is inside a transaction of.
enum TransactionContext {
    @TaskLocal static var owners: Set<ObjectIdentifier> = []
}

/// A first-in, first-out lock for an actor's async methods; state lives in the actor.
struct FIFOLock {
    private var held = false
    private var waiters: [CheckedContinuation<Bool, Never>] = []

    /// Takes the lock if it is free.
    mutating func tryAcquire() -> Bool {
        guard !held else { return false }
        held = true
        return true
    }

    /// Queues a waiter, resumed with `true` when it gets the lock, `false` on close.
    mutating func enqueue(_ waiter: CheckedContinuation<Bool, Never>) {
        waiters.append(waiter)
    }

    /// Hands the lock to the next waiter, or frees it.
    mutating func release() {
        if waiters.isEmpty {
            held = false
        } else {
            waiters.removeFirst().resume(returning: true)
        }
    }

    /// Wakes every waiter with `false` (the connection closed).
    mutating func failWaiters() {
        let waiting = waiters
        waiters = []
        for waiter in waiting {
            waiter.resume(returning: false)
        }
    }
}
