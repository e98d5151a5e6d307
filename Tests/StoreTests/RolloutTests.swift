import Foundation
@testable import HotloadStore
import PQ
import Testing

/// Issue 10: rollouts on the real database: approvals, plan binding, rejection, pushes
/// during a rollout, abort, promote, steps, pins, and channels without a policy.
@Suite struct RolloutTests {
    @Test func aChannelWithoutAPolicyBehavesAsBefore() async throws {
        let fixture = try await RolloutFixture.make()
        for text in ["fn a() = 1\n", "fn a() = 2\n"] {
            let release = try #require(try await fixture["pusher"].push([module("a", text)]).release)
            #expect(try await fixture.admin.head(channel: "main") == release)
            #expect(try await fixture.admin.count("SELECT stable AS n FROM hotload.channels WHERE name = 'main'") == release)
        }
        #expect(try await fixture.admin.count("SELECT count(*) AS n FROM hotload.rollouts") == 0)
        #expect(try await fixture.admin.activeRollout(channel: "main") == nil)
        #expect(try await fixture.admin.rolloutStatus(channel: "main") == nil)
        // A policy removed again: back to the old behaviour.
        try await fixture.policy(approvals: 0)
        try await fixture["admin"].clearChannelPolicy(channel: "main")
        let third = try #require(try await fixture["pusher"].push([module("a", "fn a() = 3\n")]).release)
        #expect(try await fixture.admin.count("SELECT stable AS n FROM hotload.channels WHERE name = 'main'") == third)
        #expect(try await fixture.admin.activeRollout(channel: "main") == nil)
        await fixture.close()
    }

    @Test func aPushToAPolicyChannelProposesARolloutAndStableStays() async throws {
        let fixture = try await RolloutFixture.make()
        let first = try #require(try await fixture["pusher"].push([module("a", "fn a() = 1\n")]).release)
        try await fixture.policy(approvals: 2, steps: "1,10%,100%")
        let second = try #require(try await fixture["pusher"].push([module("a", "fn a() = 2\n")]).release)
        let id = try #require(try await fixture.admin.activeRollout(channel: "main"))
        let status = try await fixture.admin.rolloutStatus(id)
        #expect(status.phase == .proposed && status.candidate == second && status.stable == first && status.base == first)
        #expect(status.steps.map(\.description) == ["1", "10%", "100%"] && status.step == nil)
        #expect(status.salt == String(id) && status.requiredApprovals == 2 && status.approvals == 0)
        #expect(try await fixture.admin.head(channel: "main") == second)
        let log = try await fixture.admin.rolloutLog(channel: "main")
        #expect(log.map(\.action) == ["policy", "propose"])
        #expect(log.map(\.actor) == [fixture.logins["admin"]!, fixture.logins["pusher"]!])

        // Without approvals needed: progressing at once, before its first step.
        try await fixture.policy("beta", approvals: 0)
        try await fixture["pusher"].push([module("b", "fn b() = 1\n")], options(channel: "beta"))
        let beta = try #require(try await fixture.admin.rolloutStatus(channel: "beta"))
        #expect(beta.phase == .progressing && beta.step == nil && beta.threshold == 0 && beta.stable == nil)
        await fixture.close()
    }

    @Test func nobodyApprovesTheirOwnRelease() async throws {
        let fixture = try await RolloutFixture.make()
        try await fixture.policy(approvals: 1)
        try await fixture["pushApprover"].push([module("a", "fn a() = 1\n")])
        let id = try #require(try await fixture.admin.activeRollout(channel: "main"))
        let error = await thrown { try await fixture["pushApprover"].approveRollout(id) }
        guard let refusal = storeError(error, .selfApproval), refusal.rollout == id,
              refusal.loginRole == fixture.logins["pushApprover"]! else {
            Issue.record("expected self-approval, got \(String(describing: error))")
            return
        }
        #expect(try await fixture.admin.rolloutStatus(id).phase == .proposed)
        #expect(try await fixture["approver"].approveRollout(id, message: "looks fine") == .approved)
        // A second approval of the same plan by the same login is refused.
        let twice = await thrown { try await fixture["approver"].approveRollout(id) }
        guard storeError(twice, .alreadyApproved)?.rollout == id else {
            Issue.record("expected already approved, got \(String(describing: twice))")
            return
        }

        // Whoever started a rollout (here a staged rollback) may not approve it either.
        try await fixture["operator"].promoteRollout(id)
        let second = try #require(try await fixture["pushApprover"].push([module("a", "fn a() = 2\n")]).release)
        let proposed = try #require(try await fixture.admin.activeRollout(channel: "main"))
        try await fixture["operator"].abortRollout(proposed, reason: "not this one")
        let rollback = try await fixture["operatorApprover"].startRollout(channel: "main", release: second)
        let own = await thrown { try await fixture["operatorApprover"].approveRollout(rollback) }
        #expect(storeError(own, .selfApproval) != nil)
        await fixture.close()
    }

    @Test func changingThePlanVoidsApprovals() async throws {
        let fixture = try await RolloutFixture.make()
        try await fixture.policy(approvals: 2)
        try await fixture["pusher"].push([module("a", "fn a() = 1\n")])
        let id = try #require(try await fixture.admin.activeRollout(channel: "main"))
        #expect(try await fixture["approver"].approveRollout(id) == .proposed)
        #expect(try await fixture.admin.rolloutStatus(id).approvals == 1)
        let before = try await fixture.admin.rolloutStatus(id).planHash

        try await fixture["operator"].replanRollout(id, plan: RolloutPlan(steps: [.nodes(1), .percent(hundredths: 10_000)]))
        var status = try await fixture.admin.rolloutStatus(id)
        #expect(status.planHash != before && status.approvals == 0 && status.phase == .proposed)
        #expect(status.verdicts.count == 1 && !status.verdicts[0].current)
        // The same approver may approve the new plan; two approvals of it approve the rollout.
        #expect(try await fixture["approver"].approveRollout(id) == .proposed)
        #expect(try await fixture["approver2"].approveRollout(id) == .approved)
        // Changing an approved plan sends it back to proposed.
        try await fixture["operator"].replanRollout(id, plan: RolloutPlan(gates: ["canary.error_rate <= stable.error_rate"]))
        status = try await fixture.admin.rolloutStatus(id)
        #expect(status.phase == .proposed && status.approvals == 0 && status.gates.count == 1)
        // ... so it cannot be promoted or stepped before new approvals.
        for action in [{ try await fixture["operator"].promoteRollout(id) }, { try await fixture["operator"].nextStep(id) }] {
            let error = await thrown(action)
            #expect(storeError(error, .rolloutPhase).map { $0.rollout == id && $0.phase == "proposed" } == true)
        }
        await fixture.close()
    }

    @Test func oneRejectionEndsTheRollout() async throws {
        let fixture = try await RolloutFixture.make()
        try await fixture.policy(approvals: 2)
        try await fixture["pusher"].push([module("a", "fn a() = 1\n")])
        let id = try #require(try await fixture.admin.activeRollout(channel: "main"))
        try await fixture["approver"].approveRollout(id)
        try await fixture["approver2"].rejectRollout(id, message: "breaks billing")
        let status = try await fixture.admin.rolloutStatus(id)
        #expect(status.phase == .rejected && status.endReason == "breaks billing" && status.endedAt != nil)
        let late = await thrown { try await fixture["approver"].approveRollout(id) }
        #expect(storeError(late, .rolloutPhase).map { $0.rollout == id && $0.phase == "rejected" } == true)
        // The channel is free again: the next push needs no supersede.
        try await fixture["pusher"].push([module("a", "fn a() = 2\n")])
        #expect(try await fixture.admin.activeRollout(channel: "main") != id)
        await fixture.close()
    }

    @Test func aPushDuringARolloutIsRefusedUnlessItSupersedesIt() async throws {
        let fixture = try await RolloutFixture.make()
        try await fixture.policy(approvals: 1)
        let first = try #require(try await fixture["pusher"].push([module("a", "fn a() = 1\n")]).release)
        let id = try #require(try await fixture.admin.activeRollout(channel: "main"))
        let refused = await thrown { try await fixture["pusher"].push([module("a", "fn a() = 2\n")]) }
        guard let active = storeError(refused, .rolloutActive), active.channel == "main", active.rollout == id else {
            Issue.record("expected an active rollout, got \(String(describing: refused))")
            return
        }
        #expect(try await fixture.admin.head(channel: "main") == first)

        var superseding = options()
        superseding.supersede = true
        let second = try #require(try await fixture["pusher"].push([module("a", "fn a() = 2\n")], superseding).release)
        let old = try await fixture.admin.rolloutStatus(id)
        #expect(old.phase == .aborted && old.endReason == "superseded by a push")
        let new = try #require(try await fixture.admin.rolloutStatus(channel: "main"))
        #expect(new.id != id && new.candidate == second && new.phase == .proposed)
        let abort = try #require(try await fixture.admin.rolloutLog(channel: "main", rollout: id).last)
        #expect(abort.action == "abort" && abort.actor == fixture.logins["pusher"]!)
        await fixture.close()
    }

    @Test func abortIsTerminal() async throws {
        let fixture = try await RolloutFixture.make()
        let stable = try #require(try await fixture["pusher"].push([module("a", "fn a() = 1\n")]).release)
        try await fixture.policy(approvals: 0)
        try await fixture["pusher"].push([module("a", "fn a() = 2\n")])
        let id = try #require(try await fixture.admin.activeRollout(channel: "main"))
        try await fixture.register(["n1", "n2", "n3"], channel: "main")
        try await fixture["operator"].nextStep(id)
        try await fixture["operator"].abortRollout(id, reason: "errors up")
        let status = try await fixture.admin.rolloutStatus(id)
        #expect(status.phase == .aborted && status.endReason == "errors up" && status.stable == stable)
        #expect(status.nodes.allSatisfy { $0.target == stable && !$0.runsCandidate })
        let attempts: [(String, @Sendable () async throws -> Void)] = [
            ("resume", { try await fixture["operator"].resumeRollout(id) }),
            ("next", { try await fixture["operator"].nextStep(id) }),
            ("promote", { try await fixture["operator"].promoteRollout(id) }),
            ("abort", { try await fixture["operator"].abortRollout(id, reason: "again") }),
            ("pause", { try await fixture["operator"].pauseRollout(id) }),
            ("approve", { try await fixture["approver"].approveRollout(id) }),
        ]
        for (name, attempt) in attempts {
            let error = await thrown(attempt)
            #expect(storeError(error, .rolloutPhase).map { $0.rollout == id && $0.phase == "aborted" } == true, "\(name)")
        }
        // Even the schema's owner cannot revive it: the transition trigger refuses.
        let revive = await thrown {
            try await fixture.admin.connection.execute("UPDATE hotload.rollouts SET phase = 'progressing', ended_at = NULL WHERE id = $1", [.int(id)])
        }
        #expect((revive as? PQError)?.sqlState == "HL012")
        #expect(try await fixture.admin.rolloutStatus(id).phase == .aborted)
        await fixture.close()
    }

    @Test func stepsSelectNodesAndPromoteMakesTheCandidateStable() async throws {
        let fixture = try await RolloutFixture.make()
        let stable = try #require(try await fixture["pusher"].push([module("a", "fn a() = 1\n")]).release)
        try await fixture.policy(approvals: 0, steps: "1,3,100%")
        let candidate = try #require(try await fixture["pusher"].push([module("a", "fn a() = 2\n")]).release)
        let id = try #require(try await fixture.admin.activeRollout(channel: "main"))
        let names = (1...10).map { "node-\($0)" }
        try await fixture.register(names, channel: "main")
        var previous: Set<String> = []
        for (step, expected) in [(0, 1), (1, 3), (2, 10)] {
            #expect(try await fixture["operator"].nextStep(id) == step)
            let status = try await fixture.admin.rolloutStatus(id)
            let canaries = Set(status.nodes.filter(\.runsCandidate).map(\.name))
            #expect(canaries.count == expected, "step \(step)")
            #expect(canaries.isSuperset(of: previous))
            #expect(status.nodes.allSatisfy { $0.bucket == RolloutBucket.bucket(salt: status.salt, node: $0.name) })
            previous = canaries
        }
        let last = await thrown { try await fixture["operator"].nextStep(id) }
        #expect(storeError(last, .lastStep)?.rollout == id)
        try await fixture["operator"].pauseRollout(id, reason: "look at it")
        try await fixture["operator"].resumeRollout(id)
        try await fixture["operator"].promoteRollout(id)
        let status = try await fixture.admin.rolloutStatus(id)
        #expect(status.phase == .promoted && status.stable == candidate && stable != candidate)
        #expect(try await fixture.admin.rolloutLog(channel: "main", rollout: id).map(\.action)
            == ["propose", "step", "step", "step", "pause", "resume", "promote"])
        await fixture.close()
    }

    @Test func aNodeCountStepOnTheDatabaseSelectsExactlyThatMany() async throws {
        let fixture = try await RolloutFixture.make()
        for (channel, fleet, count) in [("one", 1, 1), ("ten", 10, 4), ("hundred", 100, 17)] {
            try await fixture.policy(channel, approvals: 0, steps: "\(count),100%")
            try await fixture["pusher"].push([module("a", "fn a() = 1\n")], options(channel: channel))
            try await fixture.register((0..<fleet).map { "\(channel)-\($0)" }, channel: channel)
            let id = try #require(try await fixture.admin.activeRollout(channel: channel))
            try await fixture["operator"].nextStep(id)
            let status = try await fixture.admin.rolloutStatus(id)
            #expect(status.nodes.count == fleet && status.nodes.filter(\.runsCandidate).count == count, "\(channel)")
        }
        await fixture.close()
    }

    @Test func pinsNameStableOrAnApprovedCandidateAndExpire() async throws {
        let fixture = try await RolloutFixture.make()
        let stable = try #require(try await fixture["pusher"].push([module("a", "fn a() = 1\n")]).release)
        try await fixture.policy(approvals: 1, steps: "1%,100%")
        let candidate = try #require(try await fixture["pusher"].push([module("a", "fn a() = 2\n")]).release)
        let id = try #require(try await fixture.admin.activeRollout(channel: "main"))
        try await fixture.register(["n1", "n2"], channel: "main")

        // An unapproved candidate cannot be reached through a pin; an unknown node neither.
        for (node, release) in [("n1", candidate), ("ghost", stable), ("n1", stable + 100)] {
            let error = await thrown { try await fixture["operator"].pin(node: node, release: release, ttlSeconds: 60) }
            #expect(storeError(error, .pinRefused) != nil, "\(node) \(release)")
        }
        try await fixture["approver"].approveRollout(id)
        try await fixture["operator"].pin(node: "n1", release: candidate, ttlSeconds: 3600)
        try await fixture["operator"].pin(node: "n2", release: stable, ttlSeconds: 3600)
        var status = try await fixture.admin.rolloutStatus(id)
        #expect(status.nodes.map(\.pinned) == [candidate, stable])
        #expect(status.nodes.map(\.runsCandidate) == [true, false])
        #expect(try await fixture.admin.pins(channel: "main").map(\.node) == ["n1", "n2"])

        // An expired pin no longer counts.
        try await fixture.admin.connection.execute("UPDATE hotload.node_pins SET expires_at = now() - interval '1 second' WHERE node = 'n2'")
        status = try await fixture.admin.rolloutStatus(id)
        #expect(status.nodes[1].pinned == nil && status.nodes[1].target == stable)
        #expect(try await fixture.admin.pins(channel: "main").map(\.node) == ["n1"])
        #expect(try await fixture["operator"].unpin(node: "n2"))
        #expect(try await fixture["operator"].unpin(node: "n2") == false)

        // Abort drops the pin to the candidate: every node is back on stable.
        try await fixture["operator"].abortRollout(id, reason: "enough")
        #expect(try await fixture.admin.pins(channel: "main").isEmpty)
        let actions = try await fixture.admin.rolloutLog(channel: "main", rollout: id).map(\.action)
        #expect(actions.suffix(3) == ["unpin", "unpin", "abort"] || actions.suffix(2) == ["unpin", "abort"])
        await fixture.close()
    }

    @Test func aStagedRollbackToAnOlderReleaseThenPromote() async throws {
        let fixture = try await RolloutFixture.make()
        let old = try #require(try await fixture["pusher"].push([module("a", "fn a() = 1\n")]).release)
        let new = try #require(try await fixture["pusher"].push([module("a", "fn a() = 2\n")]).release)
        // No policy: the operator names the steps.
        let missing = await thrown { _ = try await fixture["operator"].startRollout(channel: "main", release: old) }
        #expect(storeError(missing, .invalidRequest) != nil)
        let stableAgain = await thrown {
            _ = try await fixture["operator"].startRollout(channel: "main", release: new, plan: RolloutPlan(steps: [.nodes(1)]))
        }
        #expect(storeError(stableAgain, .invalidCandidate).map { $0.release == new && $0.channel == "main" } == true)
        let id = try await fixture["operator"].startRollout(channel: "main", release: old,
                                                           plan: RolloutPlan(steps: [.nodes(1), .percent(hundredths: 10_000)]),
                                                           salt: "fleet-a")
        let refused = await thrown {
            _ = try await fixture["operator"].startRollout(channel: "main", release: old, plan: RolloutPlan(steps: [.nodes(1)]))
        }
        #expect(storeError(refused, .rolloutActive).map { $0.channel == "main" && $0.rollout == id } == true)
        #expect(try await fixture.admin.rolloutStatus(id).salt == "fleet-a")
        try await fixture["operator"].promoteRollout(id)
        #expect(try await fixture.admin.rolloutStatus(id).stable == old)
        #expect(try await fixture.admin.head(channel: "main") == new)
        await fixture.close()
    }

    @Test func aGateThatDoesNotCompileIsRefusedWhenSet() async throws {
        let fixture = try await RolloutFixture.make()
        let error = await thrown {
            try await fixture["admin"].setChannelPolicy(channel: "main", requiredApprovals: 0, steps: [.nodes(1)],
                                                        bakeSeconds: 60, gates: ["canary.error_rat < 0.1"])
        }
        #expect(storeError(error, .invalidGate) != nil)
        #expect(try await fixture.admin.channelPolicy(channel: "main") == nil)
        let gate = "canary.calls < 50 || canary.error_rate <= stable.error_rate + 0.01"
        try await fixture["admin"].setChannelPolicy(channel: "main", requiredApprovals: 1, steps: [.nodes(1), .percent(hundredths: 5000)],
                                                    bakeSeconds: 300, gates: [gate], salt: "canaries")
        let policy = try #require(try await fixture["reader"].channelPolicy(channel: "main"))
        #expect(policy.gates == [gate] && policy.salt == "canaries" && policy.bakeSeconds == 300)
        #expect(policy.updatedBy == fixture.logins["admin"]!)
        #expect(try await fixture["reader"].channelPolicies().map(\.channel) == ["main"])
        await fixture.close()
    }

    @Test func theEventLogIsAppendOnlyForEveryone() async throws {
        let fixture = try await RolloutFixture.make()
        try await fixture.policy(approvals: 1)
        try await fixture["pusher"].push([module("a", "fn a() = 1\n")])
        for sql in ["UPDATE hotload.rollout_events SET actor = 'someone'", "DELETE FROM hotload.rollout_events",
                    "DELETE FROM hotload.rollouts", "TRUNCATE hotload.rollout_approvals"] {
            let error = await thrown { try await fixture.admin.connection.execute(sql) }
            #expect((error as? PQError)?.sqlState == "23001", "\(sql)")
        }
        await fixture.close()
    }

    /// The Swift checks exist for clear messages; the database refuses the same plans and
    /// steps when its functions are called directly.
    @Test func theDatabaseRefusesBadPlansAndStepsOnItsOwn() async throws {
        let fixture = try await RolloutFixture.make()
        let admin = try await fixture["admin"].connection
        for (sql, state) in [
            ("SELECT hotload.channel_set_policy('main', 1, '{10%,5%}', 0, '{}', NULL)", "HL018"),
            ("SELECT hotload.channel_set_policy('main', 1, '{abc%}', 0, '{}', NULL)", "HL018"),
            ("SELECT hotload.channel_set_policy('main', 1, '{0%}', 0, '{}', NULL)", "HL018"),
            ("SELECT hotload.channel_set_policy('main', 1, NULL, 0, '{}', NULL)", "HL018"),
            ("SELECT hotload.channel_set_policy('main', 1, '{1}', 0, ARRAY[E'a\\x1b[2J'], NULL)", "HL018"),
            ("SELECT hotload.channel_set_policy('main', 11, '{1}', 0, '{}', NULL)", "23514"),
            ("SELECT hotload.channel_set_policy('main', 1, '{1}', -1, '{}', NULL)", "23514"),
        ] {
            let error = await thrown { try await admin.execute(sql) }
            #expect((error as? PQError)?.sqlState == state, "\(sql): \(String(describing: error))")
        }
        try await fixture.policy(approvals: 0, steps: "1,2,100%")
        try await fixture["pusher"].push([module("a", "fn a() = 1\n")])
        let id = try #require(try await fixture.admin.activeRollout(channel: "main"))
        let operator_ = try await fixture["operator"].connection
        try await operator_.execute("SELECT hotload.rollout_next($1, -1, 1000)", [.int(id)])
        for (sql, state) in [
            ("SELECT hotload.rollout_next(\(id), 0, 999)", "HL020"),
            ("SELECT hotload.rollout_next(\(id), 0, 281474976710657)", "HL020"),
            ("SELECT hotload.rollout_next(\(id), -1, 2000)", "HL016"),
            ("SELECT hotload.rollout_abort(\(id), '  ')", "HL018"),
            ("SELECT hotload.node_pin('x', 1, 0)", "HL018"),
            ("SELECT hotload.rollout_start('main', 999, '{1}', 0, '{}', NULL)", "HL017"),
        ] {
            let error = await thrown { try await operator_.execute(sql) }
            #expect((error as? PQError)?.sqlState == state, "\(sql): \(String(describing: error))")
        }
        await fixture.close()
    }
}

/// `error` as a store error with `code`, else nil.
func storeError(_ error: (any Error)?, _ code: StoreError.Code) -> StoreError? {
    guard let error = error as? StoreError, error.code == code else { return nil }
    return error
}
