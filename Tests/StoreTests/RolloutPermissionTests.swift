import Foundation
@testable import HotloadStore
import PQ
import Testing

/// Issue 10: every role tries every rollout action it must not take and hears which role
/// it needs; nobody writes the rollout tables directly.
@Suite struct RolloutPermissionTests {
    /// Each action with the one group role that may take it.
    private static let actions: [(name: String, needs: HotloadRole, run: @Sendable (Store) async throws -> Void)] = [
        ("set policy", .admin, { try await $0.setChannelPolicy(channel: "main", requiredApprovals: 1,
                                                                steps: [.nodes(1)], bakeSeconds: 0) }),
        ("clear policy", .admin, { try await $0.clearChannelPolicy(channel: "main") }),
        ("push", .pusher, { try await $0.push([module("z", "fn z() = 1\n")]) }),
        ("start", .operator, { _ = try await $0.startRollout(channel: "main", release: 1,
                                                              plan: RolloutPlan(steps: [.nodes(1)])) }),
        ("replan", .operator, { try await $0.replanRollout(1, plan: RolloutPlan(bakeSeconds: 5)) }),
        ("next", .operator, { try await $0.nextStep(1) }),
        ("pause", .operator, { try await $0.pauseRollout(1) }),
        ("resume", .operator, { try await $0.resumeRollout(1) }),
        ("promote", .operator, { try await $0.promoteRollout(1) }),
        ("abort", .operator, { try await $0.abortRollout(1, reason: "no") }),
        ("pin", .operator, { try await $0.pin(node: "n1", release: 1, ttlSeconds: 60) }),
        ("unpin", .operator, { try await $0.unpin(node: "n1") }),
        ("approve", .approver, { try await $0.approveRollout(1) }),
        ("reject", .approver, { try await $0.rejectRollout(1, message: "no") }),
    ]

    @Test func everyRoleIsRefusedEveryActionItMayNotTakeAndHearsTheRoleNeeded() async throws {
        let fixture = try await RolloutFixture.make()
        // A proposed rollout 1 of release 1 and a registered node, so every action has a target.
        try await fixture.policy(approvals: 1)
        try await fixture["pusher"].push([module("a", "fn a() = 1\n")])
        try await fixture.register(["n1"], channel: "main")
        let before = try await fixture.admin.count("SELECT count(*) AS n FROM hotload.rollout_events")
        let roles: [(key: String, role: HotloadRole)] = [
            ("reader", .reader), ("node", .node), ("pusher", .pusher), ("approver", .approver),
            ("operator", .operator), ("admin", .admin),
        ]
        var refusals = 0
        for (key, role) in roles {
            for action in Self.actions where action.needs != role {
                let error = await thrown { try await action.run(fixture[key]) }
                guard let needed = storeError(error, .permissionDenied)?.role else {
                    Issue.record("\(key) \(action.name): expected permission denied, got \(String(describing: error))")
                    continue
                }
                #expect(needed == action.needs, "\(key) \(action.name)")
                #expect("\(error!)".contains("GRANT \(action.needs.rawValue) TO"), "\(key) \(action.name)")
                refusals += 1
            }
        }
        #expect(refusals == roles.count * Self.actions.count - Self.actions.count)
        // Nothing happened.
        #expect(try await fixture.admin.count("SELECT count(*) AS n FROM hotload.rollout_events") == before)
        #expect(try await fixture.admin.count("SELECT count(*) AS n FROM hotload.releases") == 1)
        #expect(try await fixture.admin.rolloutStatus(1).phase == .proposed)
        await fixture.close()
    }

    @Test func nobodyWritesTheRolloutTablesDirectly() async throws {
        let fixture = try await RolloutFixture.make()
        try await fixture.policy(approvals: 0)
        let release = try #require(try await fixture["pusher"].push([module("a", "fn a() = 1\n")]).release)
        let rollout = try #require(try await fixture.admin.activeRollout(channel: "main"))
        let attacks = [
            "UPDATE hotload.rollouts SET phase = 'promoted', ended_at = now() WHERE id = \(rollout)",
            "UPDATE hotload.channels SET stable = \(release)",
            "INSERT INTO hotload.rollouts (channel, candidate, required_approvals, steps, bake_seconds, salt, plan_hash, phase, created_by, created_at, updated_at) VALUES ('main', \(release), 0, '{1}', 0, 's', '', 'approved', 'x', now(), now())",
            "INSERT INTO hotload.rollout_approvals (rollout, approver, plan_hash, verdict, at) VALUES (\(rollout), 'x', 'h', 'approve', now())",
            "INSERT INTO hotload.rollout_events (channel, action, actor, at) VALUES ('main', 'abort', 'x', now())",
            "DELETE FROM hotload.rollout_events",
            "INSERT INTO hotload.channel_policies (channel, required_approvals, steps, bake_seconds, updated_by, updated_at) VALUES ('main', 0, '{1}', 0, 'x', now()) ON CONFLICT DO NOTHING",
            "DELETE FROM hotload.channel_policies",
            "INSERT INTO hotload.node_pins (node, channel, release, expires_at, pinned_by, pinned_at) VALUES ('n', 'main', \(release), now(), 'x', now())",
            "SELECT hotload.rollout_create('main', \(release), '{1}', 0, '{}', NULL)",
            "SELECT hotload.rollout_finish(r, 'promoted', NULL) FROM hotload.rollouts r",
        ]
        for key in ["reader", "node", "pusher", "approver", "operator", "admin"] {
            for sql in attacks {
                let error = await thrown { try await fixture[key].connection.execute(sql) }
                #expect((error as? PQError)?.sqlState == "42501", "\(key): \(sql)")
            }
        }
        #expect(try await fixture.admin.rolloutStatus(rollout).phase == .progressing)
        await fixture.close()
    }
}
