import Foundation
import HotloadNode
import HotloadStore
import PQ
import Testing

/// NOTIFY is only a hint that any role able to connect may send: a flood must not turn
/// into a flood of head reads, and must not hide a real release.
@Suite struct NotificationFloodTests {
    @Test func aFloodFromARoleWithoutGrantsCostsBoundedHeadReadsAndHidesNoRelease() async throws {
        let fixture = try await NodeFixture.make()
        let first = try await fixture.push(["m": "fn v() = 1"])
        let running = RunningNode.start(fixture.configuration(name: "flooded", poll: .seconds(3600)))
        try await running.waitFor(release: first)
        try await running.waitUntil("LISTEN in place") { running.node.status.listening }

        // A login with no Hotload grant at all: CONNECT comes from PUBLIC, and so does NOTIFY.
        let role = "flood_\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
        try await fixture.store.connection.execute("CREATE ROLE \(role) LOGIN")
        guard let at = fixture.url.range(of: "postgres@") else { throw FixtureError("unexpected test URL") }
        let floodURL = fixture.url.replacingCharacters(in: at, with: "\(role)@")
        let attackers = [try await Connection.connect(ConnectionConfiguration(floodURL)),
                         try await Connection.connect(ConnectionConfiguration(floodURL))]
        await #expect(throws: PQError.self) { try await attackers[0].execute("UPDATE hotload.channels SET head = NULL") }

        let readsBefore = running.node.status.headReads
        let started = ContinuousClock.now
        let perAttacker = 1_500
        let payloads = [#"{"channel":"main","release":%d}"#, "garbage %d", #"{"channel":"main""#, "%d" + String(repeating: "x", count: 4000)]
        async let flood: Void = withThrowingTaskGroup(of: Void.self) { group in
            for (index, attacker) in attackers.enumerated() {
                group.addTask {
                    for n in 0..<perAttacker {
                        let payload = payloads[(n + index) % payloads.count].replacingOccurrences(of: "%d", with: "\(n)")
                        _ = try await attacker.query("SELECT pg_notify($1, $2)",
                                                    [.text(ReleaseNotification.channelName), .text(payload)])
                    }
                }
            }
            try await group.waitForAll()
        }
        // A real release pushed in the middle of the flood is applied promptly.
        try await Task.sleep(for: .milliseconds(100))
        let second = try await fixture.push(["m": "fn v() = 2"])
        try await running.waitFor(release: second, timeout: .seconds(5))
        try await flood
        // Let the last coalesced sync run.
        try await Task.sleep(for: .milliseconds(300))
        let elapsed = ContinuousClock.now - started
        let reads = running.node.status.headReads - readsBefore
        let interval = running.node.configuration.minSyncInterval
        let bound = Int((elapsed / interval).rounded(.up)) + 2
        #expect(reads <= bound, "\(reads) head reads for \(2 * perAttacker) notifications in \(elapsed); at most \(bound) allowed")
        #expect(reads >= 1)
        #expect(try callInt(running.node, "m", "v") == 2)
        #expect(running.node.status.listening)

        for attacker in attackers { await attacker.close() }
        await running.stop()
        _ = try? await fixture.store.connection.execute("DROP ROLE IF EXISTS \(role)")
        await fixture.close()
    }
}
