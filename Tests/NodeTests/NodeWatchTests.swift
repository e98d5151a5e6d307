import CEL
import Foundation
import HotloadNode
import HotloadStore
import PostgresHarness
import PQ
import Testing

/// The node against a real PostgreSQL: wake-ups, polling, lost listeners.
@Suite struct NodeWatchTests {
    @Test func notificationWakesTheNodeAndOnlyChangedModulesAreFetched() async throws {
        let fixture = try await NodeFixture.make()
        let first = try await fixture.push(["tax": "fn rate() = 20", "price": "import tax\nfn total(x) = x + tax.rate()", "other": "fn one() = 1"])
        // The poll is an hour away: only the NOTIFY can wake the node up.
        let running = RunningNode.start(fixture.configuration(name: "n1", poll: .seconds(3600)))
        let events = running.node.events
        try await running.waitFor(release: first)
        #expect(try callInt(running.node, "price", "total", [.int(100)]) == 120)

        let second = try await fixture.push(["tax": "fn rate() = 25"])
        try await running.waitFor(release: second, timeout: .seconds(5))
        #expect(try callInt(running.node, "price", "total", [.int(100)]) == 125)
        #expect(try callInt(running.node, "other", "one") == 1)

        var applied: [(Int64, [String], Int)] = []
        for await event in events {
            if case .applied(let event) = event {
                applied.append((event.release, event.changed, event.recompiled))
                if event.release == second { break }
            }
        }
        #expect(applied.first?.0 == first)
        #expect(applied.last?.0 == second)
        #expect(applied.last?.1 == ["tax"])
        #expect(applied.last?.2 == 2)  // tax and its importer price; `other` untouched

        let rows = try await fixture.store.nodeStatuses()
        #expect(rows.count == 1)
        #expect(rows.first?.name == "n1")
        #expect(rows.first?.channel == "main")
        await running.stop()
        let after = try await fixture.store.nodeStatuses()
        #expect(after.first?.stopped == true)
        #expect(after.first?.appliedRelease == second)
        #expect(after.first?.lag == 0)
        // A channel without a policy: the node runs the stable release, which is the head.
        #expect(after.first?.appliedRole == .stable)
        await fixture.close()
    }

    @Test func releaseCommittedWithoutNotifyIsCaughtByThePoll() async throws {
        let fixture = try await NodeFixture.make()
        let first = try await fixture.push(["m": "fn v() = 1"])
        let running = RunningNode.start(fixture.configuration(name: "poller", poll: .milliseconds(200)))
        try await running.waitFor(release: first)
        // Commit a release by hand, without NOTIFY.
        let conn = fixture.store.connection
        let release: Int64 = try await conn.transaction { conn in
            let source = "fn v() = 2"
            try await conn.execute("""
                INSERT INTO hotload.revisions (module, version, source, sha256, author)
                VALUES ('m', 2, $1, encode(sha256(convert_to($1, 'UTF8')), 'hex'), 'tests')
                """, [.text(source)])
            try await conn.execute("UPDATE hotload.modules SET latest_version = 2 WHERE name = 'm'")
            let rows = try await conn.query("""
                INSERT INTO hotload.releases (channel, parent, author, message) VALUES ('main', $1, 'tests', 'silent')
                RETURNING id
                """, [.int(first)])
            let id = try rows[0].decode("id", as: Int64.self)
            try await conn.execute("""
                INSERT INTO hotload.release_changes (release, channel, module, version, action)
                VALUES ($1, 'main', 'm', 2, 'modify')
                """, [.int(id)])
            // As `publish` does on a channel without a policy: the release is head and stable.
            try await conn.execute("UPDATE hotload.channels SET head = $1, stable = $1 WHERE name = 'main'", [.int(id)])
            return id
        }
        try await running.waitFor(release: release, timeout: .seconds(5))
        #expect(try callInt(running.node, "m", "v") == 2)
        await running.stop()
        await fixture.close()
    }

    @Test func terminatedListenerReconnectsAndResyncs() async throws {
        let fixture = try await NodeFixture.make()
        let first = try await fixture.push(["m": "fn v() = 1"])
        let running = RunningNode.start(fixture.configuration(name: "victim", poll: .seconds(3600)))
        try await running.waitFor(release: first)
        try await running.waitUntil("LISTEN in place") { running.node.status.listening }
        let events = running.node.events

        let terminated = try await fixture.store.connection.query("""
            SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity
            WHERE application_name = 'hotload-node listener' AND datname = current_database()
            """)
        #expect(terminated.count == 1)
        // Pushed while the listener is down or reconnecting: the resync after the
        // reconnect (or the NOTIFY, if it is already back) must bring it in.
        let second = try await fixture.push(["m": "fn v() = 2"])
        try await running.waitFor(release: second, timeout: .seconds(10))
        #expect(try callInt(running.node, "m", "v") == 2)

        var sawDisconnect = false
        var sawListening = false
        for await event in events {
            switch event {
            case .disconnected: sawDisconnect = true
            case .listening: sawListening = true
            default: break
            }
            if sawDisconnect && sawListening { break }
        }
        #expect(sawDisconnect && sawListening)
        await running.stop()
        await fixture.close()
    }
}
