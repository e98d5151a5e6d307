import Foundation
@testable import HotloadStore
import PQ
import Testing

/// Issue 10: the database wakes the nodes on every change of what some node should run.
@Suite struct RolloutNotifyTests {
    /// Every change of what some node should run sends the release NOTIFY in the one
    /// payload format; pause and resume (which change nothing) send none.
    @Test func everyChangeOfATargetWakesTheNodesAndPauseDoesNot() async throws {
        let fixture = try await RolloutFixture.make()
        let listener = try await Connection.connect(ConnectionConfiguration(fixture.databaseURL))
        try await listener.listen(ReleaseNotification.channelName)
        let stable = try #require(try await fixture["pusher"].push([module("a", "fn a() = 1\n")]).release)
        try await fixture.policy(approvals: 0, steps: "1,100%")
        let candidate = try #require(try await fixture["pusher"].push([module("a", "fn a() = 2\n")]).release)
        let id = try #require(try await fixture.admin.activeRollout(channel: "main"))
        try await fixture.register(["n1", "n2"], channel: "main")
        _ = try await Self.drain(listener)

        let main = { (release: Int64) in ReleaseNotification(channel: "main", release: release) }
        let cases: [(String, [ReleaseNotification], @Sendable () async throws -> Void)] = [
            ("step", [main(candidate)], { _ = try await fixture["operator"].nextStep(id) }),
            ("pause", [], { try await fixture["operator"].pauseRollout(id) }),
            ("resume", [], { try await fixture["operator"].resumeRollout(id) }),
            ("pin", [main(stable)], { try await fixture["operator"].pin(node: "n1", release: stable, ttlSeconds: 60) }),
            ("re-pin", [main(stable), main(candidate)],
             { try await fixture["operator"].pin(node: "n1", release: candidate, ttlSeconds: 60) }),
            ("unpin", [main(candidate)], { _ = try await fixture["operator"].unpin(node: "n1") }),
            ("abort", [main(candidate)], { try await fixture["operator"].abortRollout(id, reason: "test") }),
        ]
        for (name, expected, action) in cases {
            try await action()
            let received = try await Self.drain(listener)
            #expect(received.map { ReleaseNotification(payload: $0.payload) } == expected, "\(name)")
            #expect(received.allSatisfy { $0.channel == ReleaseNotification.channelName }, "\(name)")
        }

        // Promote wakes them too (a new rollout of the aborted candidate, then promote).
        let again = try await fixture["operator"].startRollout(channel: "main", release: candidate)
        _ = try await Self.drain(listener)
        try await fixture["operator"].promoteRollout(again)
        #expect(try await Self.drain(listener).map { ReleaseNotification(payload: $0.payload) } == [main(candidate)])

        // A superseding push aborts a rollout whose step selected nodes: its candidate's
        // wake-up, then the push's own.
        let next = try #require(try await fixture["pusher"].push([module("a", "fn a() = 3\n")]).release)
        let third = try #require(try await fixture.admin.activeRollout(channel: "main"))
        _ = try await fixture["operator"].nextStep(third)
        _ = try await Self.drain(listener)
        var superseding = options()
        superseding.supersede = true
        let last = try #require(try await fixture["pusher"].push([module("a", "fn a() = 4\n")], superseding).release)
        #expect(try await Self.drain(listener).map { ReleaseNotification(payload: $0.payload) } == [main(next), main(last)])
        await listener.close()
        await fixture.close()
    }

    /// Every notification that arrives within a short quiet period.
    private static func drain(_ listener: Connection) async throws -> [PQNotification] {
        var received: [PQNotification] = []
        while true {
            let more = try await listener.waitForNotifications(timeout: .milliseconds(300))
            if more.isEmpty { return received }
            received += more
        }
    }
}
