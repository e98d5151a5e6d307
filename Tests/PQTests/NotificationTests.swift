import Foundation
import PQ
import Testing

@Suite("PQ LISTEN/NOTIFY and dead sessions")
struct NotificationTests {
    @Test func notificationsAreDelivered() async throws {
        let url = try await TestServer.freshDatabase()
        let listener = try await TestServer.connect(url)
        let sender = try await TestServer.connect(url)
        let channel = "hotload \"odd\" channel; DROP TABLE x"
        try await listener.listen(channel)
        try await sender.notify(channel, payload: #"{"channel":"main","release":42}"#)
        try await sender.notify(channel, payload: "second")
        var received: [PQNotification] = []
        let deadline = ContinuousClock.now + .seconds(10)
        while received.count < 2, ContinuousClock.now < deadline {
            received += try await listener.waitForNotifications(timeout: .seconds(5))
        }
        #expect(received.map(\.payload) == [#"{"channel":"main","release":42}"#, "second"])
        #expect(received.allSatisfy { $0.channel == channel && $0.processID == sender.backendPID })
        try await listener.unlisten(channel)
        try await sender.notify(channel, payload: "ignored")
        #expect(try await listener.waitForNotifications(timeout: .milliseconds(200)).isEmpty)
        await listener.close()
        await sender.close()
    }

    @Test func notificationsSentInATransactionArriveOnCommit() async throws {
        let url = try await TestServer.freshDatabase()
        let listener = try await TestServer.connect(url)
        let sender = try await TestServer.connect(url)
        try await listener.listen("tx")
        try await sender.transaction { sender in
            try await sender.notify("tx", payload: "one")
        }
        let received = try await listener.waitForNotifications(timeout: .seconds(20))
        #expect(received.map(\.payload) == ["one"])
        await listener.close()
        await sender.close()
    }

    @Test func waitingTimesOutEmpty() async throws {
        let listener = try await TestServer.connect(try await TestServer.freshDatabase())
        try await listener.listen("quiet")
        let start = ContinuousClock.now
        let received = try await listener.waitForNotifications(timeout: .milliseconds(300))
        let elapsed = ContinuousClock.now - start
        #expect(received.isEmpty)
        #expect(elapsed >= .milliseconds(250))
        #expect(elapsed < .seconds(10))
        await listener.close()
    }

    /// The reactor sleeps until the earliest deadline: a short wait that starts while a long
    /// one is in progress still ends on time, and the long one is not ended by it.
    @Test func anEarlierDeadlineEndsFirst() async throws {
        let url = try await TestServer.freshDatabase()
        let long = try await TestServer.connect(url)
        let short = try await TestServer.connect(url)
        try await long.listen("long")
        try await short.listen("short")
        let longWait = Task { try await long.waitForNotifications(timeout: .seconds(30)) }
        try await Task.sleep(for: .milliseconds(50))
        let start = ContinuousClock.now
        #expect(try await short.waitForNotifications(timeout: .milliseconds(200)).isEmpty)
        #expect(ContinuousClock.now - start < .seconds(5))
        let sender = try await TestServer.connect(url)
        try await sender.notify("long", payload: "still waiting")
        #expect(try await longWait.value.map(\.payload) == ["still waiting"])
        for connection in [long, short, sender] { await connection.close() }
    }

    /// Socket numbers are reused as connections close and open; waits on the new sockets
    /// work, however the old ones ended.
    @Test func socketNumbersReusedByNewConnectionsWork() async throws {
        let url = try await TestServer.freshDatabase()
        let sender = try await TestServer.connect(url)
        for round in 0..<20 {
            let listener = try await TestServer.connect(url)
            try await listener.listen("reuse")
            if round % 2 == 0 {
                // Close while a wait is in progress.
                let waiting = Task { try await listener.waitForNotifications(timeout: .seconds(30)) }
                try await Task.sleep(for: .milliseconds(5))
                await listener.close()
                _ = await waiting.result
            } else {
                try await sender.notify("reuse", payload: "\(round)")
                var payloads: [String] = []
                let deadline = ContinuousClock.now + .seconds(10)
                while payloads.isEmpty, ContinuousClock.now < deadline {
                    payloads = try await listener.waitForNotifications(timeout: .seconds(10)).map(\.payload)
                }
                #expect(payloads == ["\(round)"])
                await listener.close()
            }
        }
        await sender.close()
    }

    @Test func terminatedBackendIsDetectedWhileWaiting() async throws {
        let url = try await TestServer.freshDatabase()
        let listener = try await TestServer.connect(url)
        let admin = try await TestServer.connect(url)
        try await listener.listen("doomed")
        let pid = listener.backendPID
        let waiter = Task { () async throws(PQError) -> [PQNotification] in
            try await listener.waitForNotifications(timeout: .seconds(60))
        }
        try await Task.sleep(for: .milliseconds(100))
        let start = ContinuousClock.now
        let terminated = try await admin.query("SELECT pg_terminate_backend($1) AS ok", [.int(pid)])
        #expect(try terminated.first?.decode("ok", as: Bool.self) == true)
        let result = await waiter.result
        #expect(ContinuousClock.now - start < .seconds(10))
        guard case .failure(let error) = result else {
            Issue.record("waiting on a terminated session returned \(result)")
            return
        }
        #expect((error as? PQError)?.kind == .closed)
        #expect(await listener.isClosed)
        let after = await #expect(throws: PQError.self) { try await listener.query("SELECT 1") }
        #expect(after?.kind == .closed)
        await admin.close()
    }

    @Test func terminatedBackendIsDetectedByTheNextStatement() async throws {
        let url = try await TestServer.freshDatabase()
        let victim = try await TestServer.connect(url)
        let admin = try await TestServer.connect(url)
        try await admin.execute("SELECT pg_terminate_backend($1)", [.int(victim.backendPID)])
        try await Task.sleep(for: .milliseconds(100))
        let error = await #expect(throws: PQError.self) { try await victim.query("SELECT 1") }
        #expect(error?.kind == .closed)
        await admin.close()
    }

    @Test func closeEndsAWaitInProgress() async throws {
        let listener = try await TestServer.connect(try await TestServer.freshDatabase())
        try await listener.listen("c")
        let waiter = Task { () async throws(PQError) -> [PQNotification] in
            try await listener.waitForNotifications(timeout: .seconds(60))
        }
        try await Task.sleep(for: .milliseconds(100))
        await listener.close()
        let result = await waiter.result
        guard case .failure(let error) = result else {
            Issue.record("expected .closed, got \(result)")
            return
        }
        #expect((error as? PQError)?.kind == .closed)
    }

    @Test func cancellingAWaitReturnsPromptlyAndKeepsTheConnection() async throws {
        let listener = try await TestServer.connect(try await TestServer.freshDatabase())
        try await listener.listen("c")
        let start = ContinuousClock.now
        let waiter = Task { () async throws(PQError) -> [PQNotification] in
            try await listener.waitForNotifications(timeout: .seconds(60))
        }
        try await Task.sleep(for: .milliseconds(100))
        waiter.cancel()
        #expect(try await waiter.value.isEmpty)
        #expect(ContinuousClock.now - start < .seconds(10))
        #expect(try await listener.query("SELECT 1 AS one").count == 1)
        await listener.close()
    }

    @Test func aStatementCutsANotificationWaitShort() async throws {
        let listener = try await TestServer.connect(try await TestServer.freshDatabase())
        try await listener.listen("c")
        let waiter = Task { () async throws(PQError) -> [PQNotification] in
            try await listener.waitForNotifications(timeout: .seconds(60))
        }
        try await Task.sleep(for: .milliseconds(100))
        let start = ContinuousClock.now
        #expect(try await listener.query("SELECT 2 AS two").first?.decode("two", as: Int.self) == 2)
        #expect(try await waiter.value.isEmpty)
        #expect(ContinuousClock.now - start < .seconds(10))
        await listener.close()
    }
}
