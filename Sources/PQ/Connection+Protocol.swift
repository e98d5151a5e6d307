internal import CLibPQ

/// What `run` sends to the server.
enum Outgoing {
    /// Statements without parameters, with the simple query protocol.
    case script(String)
    /// One statement with its parameters (parsed and planned for this execution only).
    case parameters(String, [PQValue])
    /// Prepares a named statement; the parameters give the types (values are not sent).
    case prepare(name: String, sql: String, [PQValue])
    /// Executes a statement prepared under `name` (`sql` is for error messages).
    case executePrepared(name: String, sql: String, [PQValue])
}

/// Sending statements and receiving results and notifications over libpq's non-blocking API.
extension Connection {
    /// Sends `sql` and collects its result (the last one, for scripts). `parameters == nil`
    /// uses the simple query protocol, which allows several statements and no parameters.
    /// The caller holds one of the connection's locks.
    func run(_ sql: String, _ parameters: [PQValue]?) async throws(PQError) -> QueryResult {
        try await run(parameters.map { .parameters(sql, $0) } ?? .script(sql))
    }

    /// Sends `outgoing` and collects its result. The caller holds one of the connection's locks.
    func run(_ outgoing: Outgoing) async throws(PQError) -> QueryResult {
        guard closedReason == nil, let connection = handle?.pointer else { throw closedError() }
        let sent: Int32
        let sql: String
        switch outgoing {
        case .script(let text):
            sql = text
            sent = PQsendQuery(connection, text)
        case .parameters(let text, let parameters):
            sql = text
            let buffers = try ParameterBuffers(parameters)
            sent = buffers.withArrays { count, types, values, lengths, formats in
                PQsendQueryParams(connection, text, count, types, values, lengths, formats, 0)
            }
        case .prepare(let name, let text, let parameters):
            sql = text
            let buffers = try ParameterBuffers(parameters)
            sent = buffers.withArrays { count, types, _, _, _ in
                PQsendPrepare(connection, name, text, count, types)
            }
        case .executePrepared(let name, let text, let parameters):
            sql = text
            let buffers = try ParameterBuffers(parameters)
            sent = buffers.withArrays { count, _, values, lengths, formats in
                PQsendQueryPrepared(connection, name, count, values, lengths, formats, 0)
            }
        }
        guard sent == 1 else { throw connectionLost() }
        try await flush(connection, statement: sql)

        var last: QueryResult?
        var failure: PQError?
        while true {
            guard PQconsumeInput(connection) == 1 else { throw connectionLost() }
            while PQisBusy(connection) == 0 {
                guard let result = PQgetResult(connection) else {
                    return try finishStatement(connection, result: last, failure: failure)
                }
                switch PQresultStatus(result) {
                case PGRES_TUPLES_OK, PGRES_SINGLE_TUPLE, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                    last = ResultReader.read(result)
                case PGRES_COPY_IN:
                    PQputCopyEnd(connection, "COPY FROM STDIN is not supported by this client")
                case PGRES_COPY_OUT, PGRES_COPY_BOTH:
                    PQclear(result)
                    markClosed("COPY TO STDOUT is not supported by this client; the connection was closed")
                    throw closedError()
                default:
                    failure = failure ?? ResultReader.error(result, target: target, statement: sql)
                }
                PQclear(result)
            }
            let event = try await waitForSocket(read: true, write: false, deadline: nil)
            if event == .cancelled { throw cancelledInFlight() }
        }
    }

    /// Ends a statement: a session that died along the way closes the connection.
    private func finishStatement(
        _ connection: OpaquePointer, result: QueryResult?, failure: PQError?
    ) throws(PQError) -> QueryResult {
        if PQstatus(connection) == CONNECTION_BAD {
            let lost = connectionLost()
            guard var failure else { throw lost }
            // Keep the server's reason (for example 57P01 admin_shutdown), as a closed connection.
            failure.kind = .closed
            throw failure
        }
        if let failure { throw failure }
        return result ?? .empty()
    }

    /// Pushes the outgoing buffer to the server, reading input meanwhile so neither side stalls.
    private func flush(_ connection: OpaquePointer, statement: String) async throws(PQError) {
        while true {
            let state = PQflush(connection)
            if state == 0 { return }
            guard state > 0 else { throw connectionLost() }
            let event = try await waitForSocket(read: true, write: true, deadline: nil)
            if event == .cancelled { throw cancelledInFlight() }
            guard PQconsumeInput(connection) == 1 else { throw connectionLost() }
        }
    }

    /// Waits for notifications until `deadline`; see `waitForNotifications(timeout:)`.
    func receiveNotifications(until deadline: ContinuousClock.Instant) async throws(PQError) -> [PQNotification] {
        waitingForNotifications = true
        defer { waitingForNotifications = false }
        var lastWait = false
        while true {
            guard closedReason == nil, let connection = handle?.pointer else { throw closedError() }
            guard PQconsumeInput(connection) == 1, PQstatus(connection) != CONNECTION_BAD else {
                throw connectionLost()
            }
            let received = Self.drainNotifications(connection)
            if !received.isEmpty || lastWait || ContinuousClock.now >= deadline {
                return received
            }
            switch try await waitForSocket(read: true, write: false, deadline: deadline) {
            case .ready:
                continue
            case .timedOut, .cancelled, .interrupted:
                // One last look at what arrived, then hand back (possibly nothing).
                lastWait = true
            }
        }
    }

    /// Waits on the connection's socket. Throws `.closed` when the connection was closed
    /// meanwhile, after freeing libpq's state (the wait no longer uses the socket).
    func waitForSocket(
        read: Bool, write: Bool, deadline: ContinuousClock.Instant?
    ) async throws(PQError) -> SocketEvent {
        guard closedReason == nil, let connection = handle?.pointer else { throw closedError() }
        let socket = PQsocket(connection)
        guard socket >= 0 else { throw connectionLost() }
        let wait = SocketWait(socket: socket, read: read, write: write, deadline: deadline)
        currentWait = wait
        let event: SocketEvent
        do {
            event = try await wait.wait()
        } catch {
            currentWait = nil
            throw error
        }
        currentWait = nil
        if closedReason != nil {
            handle?.finish()
            handle = nil
            throw closedError()
        }
        return event
    }

    /// The session is gone: close it and describe why.
    func connectionLost() -> PQError {
        let reason = handle?.errorMessage ?? "the connection was lost"
        markClosed(reason)
        return closedError()
    }

    /// The task was cancelled while a statement was on the wire: the protocol state is
    /// unknown, so the connection is closed.
    private func cancelledInFlight() -> PQError {
        if let connection = handle?.pointer {
            ServerCancel.send(for: connection)
        }
        markClosed("a statement was cancelled while running, so the connection was closed")
        return PQError(
            kind: .cancelled, message: "the statement was cancelled while running; the connection was closed",
            target: target)
    }

    static func drainNotifications(_ connection: OpaquePointer) -> [PQNotification] {
        var received: [PQNotification] = []
        while let notification = PQnotifies(connection) {
            let channel = notification.pointee.relname.map { String(cString: $0) } ?? ""
            let payload = notification.pointee.extra.map { String(cString: $0) } ?? ""
            received.append(
                PQNotification(channel: channel, payload: payload, processID: notification.pointee.be_pid))
            PQfreemem(notification)
        }
        return received
    }
}

/// Copies libpq results into Swift values.
enum ResultReader {
    static func read(_ result: OpaquePointer) -> QueryResult {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        var columns: [String] = []
        columns.reserveCapacity(columnCount)
        for column in 0..<columnCount {
            columns.append(PQfname(result, Int32(column)).map { String(cString: $0) } ?? "?column?")
        }
        var cells: [[String?]] = []
        cells.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for column in 0..<columnCount {
                if PQgetisnull(result, Int32(row), Int32(column)) == 1 {
                    values.append(nil)
                } else {
                    values.append(PQgetvalue(result, Int32(row), Int32(column)).map { String(cString: $0) } ?? "")
                }
            }
            cells.append(values)
        }
        let tag = PQcmdStatus(result).map { String(cString: $0) } ?? ""
        let affected = PQcmdTuples(result).flatMap { Int(String(cString: $0)) } ?? 0
        return QueryResult(
            storage: ResultStorage(columns: columns, cells: cells), affectedRows: affected, commandTag: tag)
    }

    static func error(_ result: OpaquePointer, target: String, statement: String) -> PQError {
        func field(_ code: Character) -> String? {
            guard let ascii = code.asciiValue, let value = PQresultErrorField(result, Int32(ascii)) else { return nil }
            return String(cString: value)
        }
        let message = field("M")
            ?? PQresultErrorMessage(result).map { String(cString: $0) }?.trimmingCharacters(in: .whitespacesAndNewlines)
            ?? "unknown error"
        return PQError(
            kind: .query, message: message, sqlState: field("C"), detail: field("D"), hint: field("H"),
            target: target, statement: statement)
    }
}
