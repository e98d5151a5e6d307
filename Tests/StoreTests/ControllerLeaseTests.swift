import Foundation
@testable import HotloadStore
import PQ
import Testing

/// Issue 10: controller leadership is a lease the database grants to hotload_operator
/// logins only (`sql/0303_controller_leases.sql`). Other roles can neither take nor block
/// it (the advisory lock that used to be leadership is irrelevant); of two controllers one
/// leads and the other takes over when the leader's session ends, it stops cleanly or its
/// lease expires; a stale instance's actions are refused by the database.
@Suite struct ControllerLeaseTests {
    /// A progressing rollout on `main` before its first step: steps 1 then 100%, a bake
    /// time of an hour (so a controller enters step 1 and then only bakes).
    private func rollout(_ fixture: RolloutFixture) async throws -> Int64 {
        try await fixture["pusher"].push([module("a", "fn a() = 1\n")])
        try await fixture["admin"].setChannelPolicy(channel: "main", requiredApprovals: 0,
                                                    steps: try RolloutStep.parse(list: "1,100%"), bakeSeconds: 3600)
        try await fixture["pusher"].push([module("a", "fn a() = 2\n")])
        return try #require(try await fixture.admin.activeRollout(channel: "main"))
    }

    /// A second operator login (`operator_b`) and its store.
    private func secondOperator(_ fixture: RolloutFixture) async throws -> Store {
        let login = fixture.logins["operator"]! + "_b"
        try await fixture.admin.connection.execute("CREATE ROLE \(login) LOGIN IN ROLE hotload_operator")
        return try await Store.connect(ConnectionConfiguration(url(fixture.databaseURL, user: login)))
    }

    private func dropSecondOperator(_ fixture: RolloutFixture, _ store: Store) async throws {
        await store.connection.close()
        try await fixture.admin.connection.execute("DROP ROLE \(fixture.logins["operator"]!)_b")
    }

    private func backendPid(_ store: Store) async throws -> Int64 {
        try await store.connection.query("SELECT pg_backend_pid() AS n").first!.decode("n", as: Int64.self)
    }

    private func leaseHolder(_ fixture: RolloutFixture) async throws -> String? {
        try await fixture.admin.connection.query(
            "SELECT instance::text AS i FROM hotload.controller_leases WHERE channel = 'main'").first?
            .decode("i", as: String.self)
    }

    @Test func onlyOperatorsTakeLeadershipAndNobodyElseCanBlockIt() async throws {
        let fixture = try await RolloutFixture.make()
        let id = try await rollout(fixture)
        // The reader holds what used to be the leadership: the channel's advisory lock.
        let reader = try await fixture["reader"]
        let held = try await reader.connection.query(
            "SELECT pg_try_advisory_lock(hashtext('hotload-controller'), hashtext('main')) AS taken")
        #expect(try held.first?.decode("taken", as: Bool.self) == true)

        // No other role takes, renews or releases a lease, acts as a controller, or writes
        // the lease table.
        let someone = UUID().uuidString
        let attacks = [
            "SELECT hotload.controller_lead('\(someone)', 'main', 3600)",
            "SELECT hotload.controller_release('\(someone)', NULL)",
            "SELECT hotload.rollout_gate('\(someone)', \(id), 0, 'fail', '{}')",
            "SELECT hotload.controller_next('\(someone)', \(id), -1, 1)",
            "SELECT hotload.controller_abort('\(someone)', \(id), 'no')",
            "INSERT INTO hotload.controller_leases VALUES ('main', '\(someone)', 'x', 1, now(), now(), now() + interval '1 day')",
            "UPDATE hotload.controller_leases SET expires_at = now() + interval '1 day'",
            "DELETE FROM hotload.controller_leases",
        ]
        for key in ["reader", "node", "pusher", "approver", "admin"] {
            let store = try await fixture[key]
            let denied = await thrown { _ = try await store.lead(channel: "main", instance: UUID(), lease: .seconds(3600)) }
            #expect(storeError(denied, .permissionDenied)?.role == .operator, "\(key): \(String(describing: denied))")
            for sql in attacks {
                let error = await thrown { try await store.connection.execute(sql) }
                #expect((error as? PQError)?.sqlState == "42501", "\(key): \(sql): \(String(describing: error))")
            }
        }
        // The lease check itself is internal: not even an operator calls it.
        let check = await thrown {
            try await fixture["operator"].connection.execute(
                "SELECT hotload.controller_require_lease('\(someone)', 'main')")
        }
        #expect((check as? PQError)?.sqlState == "42501", "\(String(describing: check))")
        #expect(try await leaseHolder(fixture) == nil)

        // The operator's controller leads and acts although the reader holds the old lock.
        let controller = RolloutController(configuration: ControllerConfiguration())
        #expect(try await controller.tick(try await fixture["operator"]).map(\.kind) == [.leading, .step])
        #expect(controller.leading == ["main"])
        #expect(try await leaseHolder(fixture) == controller.instance.uuidString.lowercased())
        #expect(try await fixture.admin.rolloutStatus(id).step == 0)
        // rollout status names it as the leader.
        let live = try await reader.liveControllers(channel: "main")
        #expect(live.map(\.instance) == [controller.instance] && live.first?.leading == ["main"], "\(live)")
        await fixture.close()
    }

    @Test func aStandbyTakesOverAtOnceWhenTheLeadersSessionEndsOrItStopsCleanly() async throws {
        let fixture = try await RolloutFixture.make()
        let id = try await rollout(fixture)
        // Leases of an hour: only a dead session or a clean stop hands over here.
        let configuration = ControllerConfiguration(interval: .seconds(1), lease: .seconds(3600))
        let first = RolloutController(configuration: configuration)
        let second = RolloutController(configuration: configuration)
        let firstStore = try await fixture["operator"]
        let secondStore = try await secondOperator(fixture)

        #expect(try await first.tick(firstStore).map(\.kind) == [.leading, .step])
        // The standby neither leads nor acts, tick after tick.
        #expect(try await second.tick(secondStore).isEmpty)
        #expect(try await second.tick(secondStore).isEmpty && second.leading.isEmpty)
        #expect(try await first.tick(firstStore).map(\.kind) == [.baking])

        // The leader's session ends (its process killed, or its backend terminated).
        try await fixture.admin.connection.execute("SELECT pg_terminate_backend($1::integer, 10000)",
                                                   [.int(try await backendPid(firstStore))])
        #expect(try await second.tick(secondStore).map(\.kind) == [.leading, .baking])
        #expect(try await leaseHolder(fixture) == second.instance.uuidString.lowercased())
        // The old leader, reconnected, finds its channel led and stands by.
        let reconnected = try await Store.connect(ConnectionConfiguration(url(fixture.databaseURL,
                                                                             user: fixture.logins["operator"]!)))
        #expect(try await first.tick(reconnected).map(\.kind) == [.standby])
        #expect(first.leading.isEmpty)

        // A clean stop releases the lease: the standby leads at its next tick.
        try await second.stopped(secondStore)
        #expect(try await leaseHolder(fixture) == nil)
        #expect(try await first.tick(reconnected).map(\.kind) == [.leading, .baking])
        let live = try await fixture["reader"].liveControllers(channel: "main")
        #expect(live.map(\.instance) == [first.instance] && live.first?.leading == ["main"], "\(live)")
        #expect(try await fixture.admin.rolloutLog(channel: "main", rollout: id).filter { $0.action == "step" }.count == 1)

        await reconnected.connection.close()
        try await dropSecondOperator(fixture, secondStore)
        await fixture.close()
    }

    @Test func aHungLeaderIsReplacedWhenItsLeaseExpiresAndItsActionsAreRefused() async throws {
        let fixture = try await RolloutFixture.make()
        let id = try await rollout(fixture)
        let configuration = ControllerConfiguration(interval: .seconds(1), lease: .seconds(3600))
        let stale = RolloutController(configuration: configuration)
        let standby = RolloutController(configuration: configuration)
        let staleStore = try await fixture["operator"]
        let standbyStore = try await secondOperator(fixture)

        #expect(try await stale.tick(staleStore).map(\.kind) == [.leading, .step])
        #expect(try await standby.tick(standbyStore).isEmpty)
        // The leader hangs (its session stays open, it renews nothing) until its lease runs
        // out; the test's superuser ends the hour early instead of waiting (the real clock's
        // expiry is at the end of this test). The standby's next tick takes over.
        try await fixture.admin.connection.execute(
            "UPDATE hotload.controller_leases SET expires_at = renewed_at WHERE channel = 'main'")
        #expect(try await standby.tick(standbyStore).map(\.kind) == [.leading, .baking])

        // The stale instance's actions are refused by the database, naming the leader.
        let events = try await fixture.admin.rolloutLog(channel: "main", rollout: id).count
        let refused: [(String, () async throws -> Void)] = [
            ("gate verdict", { _ = try await staleStore.recordGateVerdict(id, step: 0, verdict: .fail, detail: "{}",
                                                                          controller: stale.instance) }),
            ("step", { try await staleStore.nextStep(id, controller: stale.instance) }),
            ("abort", { try await staleStore.abortRollout(id, reason: "stale", controller: stale.instance) }),
        ]
        for (action, run) in refused {
            let error = await thrown(run)
            let notLeader = storeError(error, .notLeader)
            #expect(notLeader?.leader == standby.instance, "\(action): \(String(describing: error))")
        }
        // A verdict naming the leader's instance from another login is refused as well.
        let forged = await thrown {
            _ = try await staleStore.recordGateVerdict(id, step: 0, verdict: .fail, detail: "{}",
                                                       controller: standby.instance)
        }
        #expect(storeError(forged, .notLeader) != nil, "\(String(describing: forged))")
        // Nor can that login renew or release the leader's lease.
        let hijack = await thrown { _ = try await staleStore.lead(channel: "main", instance: standby.instance,
                                                                  lease: .seconds(3600)) }
        #expect((hijack as? PQError)?.sqlState == "HL002", "\(String(describing: hijack))")
        let release = await thrown { try await staleStore.releaseLeadership(instance: standby.instance) }
        #expect((release as? PQError)?.sqlState == "HL002", "\(String(describing: release))")
        // Its own tick notices and stands by without acting.
        #expect(try await stale.tick(staleStore).map(\.kind) == [.standby])
        #expect(try await fixture.admin.rolloutLog(channel: "main", rollout: id).count == events)
        let status = try await fixture.admin.rolloutStatus(id)
        #expect(status.phase == .progressing && status.step == 0)
        // An operator's manual step needs no lease: the human override stays.
        #expect(try await staleStore.nextStep(id) == 1)

        // A lease lasts what was asked unless renewed, by the database's clock.
        let (first, second) = (UUID(), UUID())
        let left = try #require(try await staleStore.lead(channel: "other", instance: first, lease: .seconds(1)))
        #expect(left > .zero && left <= .seconds(1), "\(left)")
        #expect(try await standbyStore.lead(channel: "other", instance: second, lease: .seconds(60)) == nil)
        try await Task.sleep(for: .milliseconds(1100))
        #expect(try await standbyStore.lead(channel: "other", instance: second, lease: .seconds(60)) != nil)

        try await dropSecondOperator(fixture, standbyStore)
        await fixture.close()
    }
}
