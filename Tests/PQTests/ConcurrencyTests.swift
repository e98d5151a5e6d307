import Foundation
import PQ
import Testing

@Suite("PQ many connections")
struct ConcurrencyTests {
    /// Many connections wait on their sockets at once while other work proceeds: waits must
    /// not hold threads (the cooperative pool has only as many threads as cores).
    @Test func waitsDoNotHoldThreads() async throws {
        let url = try await TestServer.freshDatabase()
        let count = 64
        var connected: [Connection] = []
        for _ in 0..<count {
            let listener = try await TestServer.connect(url)
            try await listener.listen("wake")
            connected.append(listener)
        }
        let listeners = connected
        let worker = try await TestServer.connect(url)
        let waiting = Task {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for listener in listeners {
                    group.addTask {
                        var received = 0
                        let deadline = ContinuousClock.now + .seconds(20)
                        while received == 0, ContinuousClock.now < deadline {
                            received = try await listener.waitForNotifications(timeout: .seconds(20)).count
                        }
                        return received
                    }
                }
                return try await group.reduce(0, +)
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        // With 64 waits in progress, parallel statements still run at once.
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<16 {
                group.addTask {
                    let connection = try await TestServer.connect(url)
                    let row = try await connection.query("SELECT $1::int AS v, pg_sleep(0.2)", [.int(index)]).first
                    #expect(try row?.decode("v", as: Int.self) == index)
                    await connection.close()
                }
            }
            try await group.waitForAll()
        }
        #expect(ContinuousClock.now - start < .seconds(15))
        try await worker.notify("wake", payload: "go")
        let delivered = try await waiting.value
        #expect(delivered == count)
        for listener in listeners {
            await listener.close()
        }
        await worker.close()
    }

    @Test func manyConnectionsRunQueriesInParallel() async throws {
        let url = try await TestServer.freshDatabase()
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<100 {
                group.addTask {
                    let connection = try await TestServer.connect(url)
                    var sum = 0
                    for step in 0..<10 {
                        let row = try await connection.query("SELECT $1::int + $2::int AS v", [.int(index), .int(step)]).first
                        sum += try row?.decode("v", as: Int.self) ?? 0
                    }
                    await connection.close()
                    return sum
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(total == (0..<100).reduce(0) { $0 + 10 * $1 + 45 })
    }
}
