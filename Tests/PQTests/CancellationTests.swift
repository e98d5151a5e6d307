import Foundation
import PQ
import PostgresHarness
import Testing

@Suite("PQ cancellation and server restarts")
struct CancellationTests {
    @Test func cancelledTransactionRollsBackAndLeavesTheConnectionClean() async throws {
        let connection = try await TestServer.connect(try await TestServer.freshDatabase())
        try await connection.execute("CREATE TABLE t (v int)")
        // Cancelled only once the INSERT is done and the task waits inside the transaction
        // (a fixed delay could, on a loaded machine, cancel the INSERT itself while it runs,
        // which closes the connection by design: the next test).
        let (inside, signal) = AsyncStream<Void>.makeStream()
        let task = Task {
            try await connection.transaction { connection in
                try await connection.execute("INSERT INTO t VALUES (1)")
                signal.yield()
                try await Task.sleep(for: .seconds(30))
            }
        }
        for await _ in inside { break }
        task.cancel()
        let outcome = await task.result
        #expect(throws: CancellationError.self) { try outcome.get() }
        #expect(await !connection.isClosed)
        // Inside a still-open transaction the connection would see its own row (or fail with
        // 25P02): zero rows means the transaction was rolled back.
        let row = try await connection.query("SELECT count(*) AS n FROM t").first
        #expect(try row?.decode("n", as: Int.self) == 0)
        await connection.close()
    }

    @Test func statementCancelledWhileRunningClosesTheConnection() async throws {
        let url = try await TestServer.freshDatabase()
        let connection = try await TestServer.connect(url)
        let pid = connection.backendPID
        let start = ContinuousClock.now
        let task = Task { () async throws(PQError) -> QueryResult in
            try await connection.query("SELECT pg_sleep(30)")
        }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        let result = await task.result
        guard case .failure(let error) = result else {
            Issue.record("expected a cancellation error, got \(result)")
            return
        }
        #expect((error as? PQError)?.kind == .cancelled)
        #expect(ContinuousClock.now - start < .seconds(10))
        #expect(await connection.isClosed)
        // The server was asked to stop the statement: the backend goes away soon.
        let observer = try await TestServer.connect(url)
        var gone = false
        for _ in 0..<50 where !gone {
            let rows = try await observer.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1", [.int(pid)])
            gone = rows.isEmpty
            if !gone { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(gone)
        await observer.close()
    }

    @Test func serverRestartIsDetectedAndReconnectWorks() async throws {
        try await withThrowawayServer { server in
            let listener = try await TestServer.connect(server.url)
            try await listener.listen("restart")
            let waiter = Task { () async throws(PQError) -> [PQNotification] in
                try await listener.waitForNotifications(timeout: .seconds(60))
            }
            try await Task.sleep(for: .milliseconds(100))
            try await Harness.offload { () throws(HarnessError) in try server.restart() }
            let result = await waiter.result
            guard case .failure(let error) = result else {
                Issue.record("expected .closed after a restart, got \(result)")
                return
            }
            #expect((error as? PQError)?.kind == .closed)
            let again = try await TestServer.connect(server.url)
            #expect(try await again.query("SELECT 1 AS one").count == 1)
            await again.close()
        }
    }

    @Test func connectTimeoutComesFromTheConnectionString() {
        #expect(ConnectionConfiguration("host=h connect_timeout=3").connectTimeout == .seconds(3))
        #expect(ConnectionConfiguration("postgresql://h/db").connectTimeout == .seconds(10))
    }

    /// Timeouts, cancellations and readiness racing each other: every wait must end exactly
    /// once (a double resume would crash the test process).
    @Test func racingWaitEndsAreHandledOnce() async throws {
        let url = try await TestServer.freshDatabase()
        let listener = try await TestServer.connect(url)
        let sender = try await TestServer.connect(url)
        try await listener.listen("race")
        var received = 0
        for round in 0..<200 {
            if round % 3 == 0 { try await sender.notify("race", payload: "\(round)") }
            let waiter = Task { () async throws(PQError) -> [PQNotification] in
                try await listener.waitForNotifications(timeout: .milliseconds(Int64(round % 4)))
            }
            if round % 2 == 0 { waiter.cancel() }
            received += try await waiter.value.count
        }
        received += try await listener.waitForNotifications(timeout: .milliseconds(500)).count
        #expect(received == 67)
        await listener.close()
        await sender.close()
    }

    @Test func closingFailsEveryQueuedCaller() async throws {
        let connection = try await TestServer.connect(try await TestServer.freshDatabase())
        let results = await withTaskGroup(of: PQError.Kind?.self) { group in
            group.addTask {
                do throws(PQError) {
                    _ = try await connection.query("SELECT pg_sleep(5)")
                    return nil
                } catch {
                    return error.kind
                }
            }
            for _ in 0..<10 {
                group.addTask {
                    do throws(PQError) {
                        _ = try await connection.query("SELECT 1")
                        return nil
                    } catch {
                        return error.kind
                    }
                }
            }
            try? await Task.sleep(for: .milliseconds(200))
            await connection.close()
            var kinds: [PQError.Kind?] = []
            for await kind in group { kinds.append(kind) }
            return kinds
        }
        #expect(results.count == 11)
        #expect(results.allSatisfy { $0 == .closed })
    }

    @Test func callerCancelledWhileQueuedSendsNothingAndKeepsTheConnection() async throws {
        let connection = try await TestServer.connect(try await TestServer.freshDatabase())
        async let busy = connection.query("SELECT pg_sleep(0.3)")
        try await Task.sleep(for: .milliseconds(50))
        let queued = Task { () async throws(PQError) -> QueryResult in
            try await connection.query("SELECT 1")
        }
        try await Task.sleep(for: .milliseconds(50))
        queued.cancel()
        let result = await queued.result
        _ = try await busy
        guard case .failure(let error) = result else {
            Issue.record("expected .cancelled, got \(result)")
            return
        }
        #expect((error as? PQError)?.kind == .cancelled)
        #expect(await !connection.isClosed)
        #expect(try await connection.query("SELECT 1 AS one").count == 1)
        await connection.close()
    }
}
