import Foundation
@testable import HotloadStore
import PQ
import Testing

/// Issue 10, health side: the metrics function and the controller on the real database.
/// Metrics are written by a node login through `hotload.node_report_metrics` (the function
/// a real node's heartbeat calls); the controller runs as an operator login.
@Suite struct RolloutControllerTests {
    /// A node registered by the `node` login, and a session of that login to report with.
    private func nodeSession(_ fixture: RolloutFixture, _ name: String, channel: String = "main")
        async throws -> (NodeSession, UUID) {
        let session = NodeSession(try await fixture["node"].connection)
        let instance = UUID()
        try await session.register(name: name, instance: instance, host: "h", pid: 1, channel: channel,
                                   report: NodeStatusReport(appliedRelease: nil, stale: false))
        return (session, instance)
    }

    private func figures(_ release: Int64, calls: Int, errors: Int, p50: Double = 1, p99: Double = 2) -> NodeCallMetrics {
        NodeCallMetrics(release: release, calls: calls, errors: errors, p50Milliseconds: p50, p99Milliseconds: p99)
    }

    @Test func aGateThatErrorsOrDoesNotCompileFails() {
        let gates = CompiledGates(["canary.error_rate <= stable.error_rate + 0.01",
                                   "canary.calls / (stable.calls - stable.calls) >= 0", "canary.callz > 1"])
        let canary = RolloutFigures(calls: 100, errors: 1, p50Milliseconds: 1, p99Milliseconds: 5, nodes: 1)
        let stable = RolloutFigures(calls: 1000, errors: 5, p50Milliseconds: 1, p99Milliseconds: 4, nodes: 9)
        let results = gates.evaluate(canary: canary, stable: stable)
        #expect(results.map(\.passed) == [true, false, false])
        #expect(results[1].error?.contains("division by zero") == true, "\(results[1])")
        #expect(results[2].error != nil)
        // error_rate is errors / calls, 0 without calls.
        #expect(RolloutFigures().errorRate == 0 && canary.errorRate == 0.01)
    }

    @Test func theMetricsFunctionTakesOnlyTheOwnNodesSaneFigures() async throws {
        let fixture = try await RolloutFixture.make()
        let release = try #require(try await fixture["pusher"].push([module("a", "fn a() = 1\n")]).release)
        try await fixture["pusher"].push([module("b", "fn b() = 1\n")], options(channel: "other"))
        let foreign = try #require(try await fixture.admin.head(channel: "other"))
        let (session, instance) = try await nodeSession(fixture, "n1")
        #expect(try await session.reportMetrics(name: "n1", instance: instance, windowSeconds: 60,
                                                [figures(release, calls: 10, errors: 1)]))
        #expect(try await fixture.admin.count("SELECT calls AS n FROM hotload.node_metrics WHERE node = 'n1'") == 10)
        #expect(try await fixture.admin.connection.query("SELECT db_role FROM hotload.node_metrics").first?
            .decode("db_role", as: String.self) == fixture.logins["node"]!)

        // Another instance (the name was taken over): not written.
        #expect(try await session.reportMetrics(name: "n1", instance: UUID(), windowSeconds: 60,
                                                [figures(release, calls: 99, errors: 0)]) == false)
        // Another login's node: refused, naming the owner.
        try await fixture.admin.connection.execute("CREATE ROLE \(fixture.logins["node"]!)_b LOGIN IN ROLE hotload_node")
        let other = try await Store.connect(ConnectionConfiguration(url(fixture.databaseURL, user: fixture.logins["node"]! + "_b")))
        let error = await thrown {
            try await NodeSession(other.connection).reportMetrics(name: "n1", instance: instance, windowSeconds: 60,
                                                                  [figures(release, calls: 99, errors: 0)])
        }
        #expect((error as? PQError)?.sqlState == "HL002" && (error as? PQError)?.detail == fixture.logins["node"]!,
                "\(String(describing: error))")
        await other.connection.close()
        // Values the constraints refuse: more errors than calls, NaN, negative, p50 > p99,
        // a release of another channel, a release twice.
        for bad in [figures(release, calls: 1, errors: 2), figures(release, calls: 1, errors: 0, p50: .nan, p99: .nan),
                    figures(release, calls: -1, errors: 0), figures(release, calls: 1, errors: 0, p50: 5, p99: 1),
                    figures(release, calls: 1, errors: 0, p50: 1, p99: .infinity), figures(foreign, calls: 1, errors: 0)] {
            let refused = await thrown { try await session.reportMetrics(name: "n1", instance: instance, windowSeconds: 60, [bad]) }
            #expect(refused != nil, "\(bad) was accepted")
        }
        let twice = await thrown {
            try await session.reportMetrics(name: "n1", instance: instance, windowSeconds: 60,
                                            [figures(release, calls: 1, errors: 0), figures(release, calls: 1, errors: 0)])
        }
        #expect(twice != nil)
        #expect(try await fixture.admin.count("SELECT calls AS n FROM hotload.node_metrics WHERE node = 'n1'") == 10)

        // Every other role is refused EXECUTE; nobody writes the table directly.
        for key in ["reader", "pusher", "approver", "operator", "admin"] {
            let denied = await thrown {
                try await NodeSession(try await fixture[key].connection).reportMetrics(
                    name: "n1", instance: instance, windowSeconds: 60, [figures(release, calls: 5, errors: 0)])
            }
            #expect((denied as? PQError)?.sqlState == "42501", "\(key): \(String(describing: denied))")
            let direct = await thrown {
                try await fixture[key].connection.execute("UPDATE hotload.node_metrics SET calls = 0")
            }
            #expect((direct as? PQError)?.sqlState == "42501", "\(key): \(String(describing: direct))")
        }
        let direct = await thrown { try await fixture["node"].connection.execute("DELETE FROM hotload.node_metrics") }
        #expect((direct as? PQError)?.sqlState == "42501")
        try await fixture.admin.connection.execute("DROP ROLE \(fixture.logins["node"]!)_b")
        await fixture.close()
    }

    @Test func theControllerRefusesToRunWithoutTheOperatorRole() async throws {
        let fixture = try await RolloutFixture.make()
        for key in ["reader", "pusher", "approver", "admin", "node"] {
            let controller = RolloutController(configuration: ControllerConfiguration())
            let error = await thrown { _ = try await controller.tick(try await fixture[key]) }
            guard let denied = storeError(error, .permissionDenied) else {
                Issue.record("\(key): expected permission_denied, got \(String(describing: error))")
                continue
            }
            #expect(denied.role == .operator && denied.message.contains("hotload_operator"), "\(denied.message)")
        }
        // A login without any Hotload role: the role named is still the operator's.
        let bare = uniqueRoleName("bare")
        try await fixture.admin.connection.execute("CREATE ROLE \(bare) LOGIN")
        let bareStore = try await Store.connect(ConnectionConfiguration(url(fixture.databaseURL, user: bare)))
        let bareError = await thrown { _ = try await RolloutController(configuration: ControllerConfiguration()).tick(bareStore) }
        #expect(storeError(bareError, .permissionDenied)?.role == .operator, "\(String(describing: bareError))")
        await bareStore.connection.close()
        try await fixture.admin.connection.execute("DROP ROLE \(bare)")
        // The gate verdict function is the operator's alone too.
        let verdict = await thrown {
            _ = try await fixture["approver"].recordGateVerdict(1, step: 0, verdict: .pass, detail: "{}",
                                                                controller: UUID())
        }
        #expect(storeError(verdict, .permissionDenied)?.role == .operator)
        await fixture.close()
    }

    @Test func tooLittleTrafficHoldsAndABakedStepWithHeldGatesAdvances() async throws {
        let fixture = try await RolloutFixture.make()
        try await fixture["pusher"].push([module("a", "fn a() = 1\n")])
        try await fixture["admin"].setChannelPolicy(channel: "main", requiredApprovals: 0,
                                                    steps: try RolloutStep.parse(list: "1,2,100%"), bakeSeconds: 1,
                                                    gates: ["canary.error_rate <= stable.error_rate + 0.1"])
        let candidate = try #require(try await fixture["pusher"].push([module("a", "fn a() = 2\n")]).release)
        let id = try #require(try await fixture.admin.activeRollout(channel: "main"))
        let (session, instance) = try await nodeSession(fixture, "n1")
        let controller = RolloutController(configuration: ControllerConfiguration(minCanaryCalls: 10))
        let operatorStore = try await fixture["operator"]

        var events = try await controller.tick(operatorStore)
        #expect(events.map(\.kind) == [.leading, .step], "\(events)")
        #expect(try await fixture.admin.rolloutStatus(id).step == 0)

        // No figures yet, then too few calls: the step holds (whatever its bake time), and says so.
        try await Task.sleep(for: .milliseconds(1100))
        events = try await controller.tick(operatorStore)
        #expect(events.map(\.kind) == [.hold] && events[0].message.contains("too little traffic"), "\(events)")
        try await session.reportMetrics(name: "n1", instance: instance, windowSeconds: 60,
                                        [figures(candidate, calls: 9, errors: 0)])
        events = try await controller.tick(operatorStore)
        #expect(events.map(\.kind) == [.hold] && events[0].message.contains("9 canary calls"), "\(events)")
        #expect(try await fixture.admin.rolloutStatus(id).step == 0)

        // Enough traffic, gates held, step baked: the next step.
        try await session.reportMetrics(name: "n1", instance: instance, windowSeconds: 60,
                                        [figures(candidate, calls: 100, errors: 5)])
        events = try await controller.tick(operatorStore)
        #expect(events.map(\.kind) == [.pass, .step], "\(events)")
        #expect(try await fixture.admin.rolloutStatus(id).step == 1)
        // The new step bakes first.
        events = try await controller.tick(operatorStore)
        #expect(events.map(\.kind) == [.pass, .baking], "\(events)")
        #expect(try await fixture.admin.rolloutStatus(id).step == 1)
        let verdicts = try await fixture.admin.rolloutLog(channel: "main", rollout: id).filter { $0.action == "gate" }
        #expect(verdicts.count == 4 && verdicts.allSatisfy { $0.actor == fixture.logins["operator"]! })
        #expect(verdicts[0].detail.contains("\"verdict\": \"hold\"") && verdicts[2].detail.contains("\"verdict\": \"pass\""),
                "\(verdicts.map(\.detail))")
        #expect(try await fixture["reader"].lastGateVerdict(id) == verdicts.last)
        await fixture.close()
    }

    @Test func threeFailingEvaluationsInARowAbortAndTheAbortIsFinal() async throws {
        let fixture = try await RolloutFixture.make()
        let stable = try #require(try await fixture["pusher"].push([module("a", "fn a() = 1\n")]).release)
        try await fixture["admin"].setChannelPolicy(channel: "main", requiredApprovals: 0,
                                                    steps: try RolloutStep.parse(list: "1,100%"), bakeSeconds: 3600,
                                                    gates: ["canary.error_rate <= stable.error_rate + 0.01"])
        let candidate = try #require(try await fixture["pusher"].push([module("a", "fn a() = 2\n")]).release)
        let id = try #require(try await fixture.admin.activeRollout(channel: "main"))
        let (canaryNode, canaryInstance) = try await nodeSession(fixture, "canary-1")
        try await canaryNode.reportMetrics(name: "canary-1", instance: canaryInstance, windowSeconds: 60,
                                           [figures(candidate, calls: 100, errors: 30)])
        try await canaryNode.register(name: "stable-1", instance: UUID(), host: "h", pid: 2, channel: "main",
                                      report: NodeStatusReport(appliedRelease: stable, stale: false))
        let controller = RolloutController(configuration: ControllerConfiguration(minCanaryCalls: 10))
        let operatorStore = try await fixture["operator"]
        _ = try await controller.tick(operatorStore)
        var kinds: [[ControllerEvent.Kind]] = []
        for _ in 0..<3 { kinds.append(try await controller.tick(operatorStore).map(\.kind)) }
        #expect(kinds == [[.fail], [.fail], [.fail, .abort]], "\(kinds)")
        let status = try await fixture.admin.rolloutStatus(id)
        #expect(status.phase == .aborted, "\(status.phase)")
        #expect(status.endReason?.contains("gate 'canary.error_rate <= stable.error_rate + 0.01' failed 3 evaluations in a row") == true,
                "\(status.endReason ?? "")")
        let log = try await fixture.admin.rolloutLog(channel: "main", rollout: id)
        #expect(log.last?.action == "abort" && log.last?.actor == fixture.logins["operator"]!)
        // Terminal: the next tick has nothing to do, and never retries.
        #expect(try await controller.tick(operatorStore).isEmpty)
        #expect(try await fixture.admin.rolloutStatus(id).phase == .aborted)
        await fixture.close()
    }

    @Test func aPassResetsTheFailureCountAndANewLeaderContinuesIt() async throws {
        let fixture = try await RolloutFixture.make()
        try await fixture["pusher"].push([module("a", "fn a() = 1\n")])
        try await fixture["admin"].setChannelPolicy(channel: "main", requiredApprovals: 0,
                                                    steps: try RolloutStep.parse(list: "1,100%"), bakeSeconds: 3600,
                                                    gates: ["canary.errors == 0"])
        let candidate = try #require(try await fixture["pusher"].push([module("a", "fn a() = 2\n")]).release)
        let id = try #require(try await fixture.admin.activeRollout(channel: "main"))
        let (session, instance) = try await nodeSession(fixture, "n1")
        func report(errors: Int) async throws {
            try await session.reportMetrics(name: "n1", instance: instance, windowSeconds: 60,
                                            [figures(candidate, calls: 50, errors: errors)])
        }
        try await fixture.admin.connection.execute("CREATE ROLE \(fixture.logins["operator"]!)_b LOGIN IN ROLE hotload_operator")
        let secondLogin = try await Store.connect(ConnectionConfiguration(url(fixture.databaseURL, user: fixture.logins["operator"]! + "_b")))
        let first = RolloutController(configuration: ControllerConfiguration(minCanaryCalls: 1))
        let second = RolloutController(configuration: ControllerConfiguration(minCanaryCalls: 1))
        let firstStore = try await fixture["operator"]

        #expect(try await first.tick(firstStore).map(\.kind) == [.leading, .step])
        try await report(errors: 1)
        #expect(try await first.tick(firstStore).map(\.kind) == [.fail])
        // A standby neither leads nor acts.
        #expect(try await second.tick(secondLogin).isEmpty)
        #expect(second.leading.isEmpty)
        try await report(errors: 0)
        #expect(try await first.tick(firstStore).map(\.kind) == [.pass, .baking])
        try await report(errors: 2)
        #expect(try await first.tick(firstStore).map(\.kind) == [.fail])
        #expect(try await first.tick(firstStore).map(\.kind) == [.fail])

        // The leader loses its connection: its lease may be taken over once its session is
        // gone (waited for here); the standby takes over at its next tick and continues the
        // count (two failures so far): the third aborts.
        let pid = try await firstStore.connection.query("SELECT pg_backend_pid() AS n").first!.decode("n", as: Int64.self)
        try await fixture.admin.connection.execute("SELECT pg_terminate_backend($1::integer, 10000)", [.int(pid)])
        #expect(await thrown { _ = try await first.tick(firstStore) } != nil)
        let events = try await second.tick(secondLogin)
        #expect(events.map(\.kind) == [.leading, .fail, .abort], "\(events)")
        let status = try await fixture.admin.rolloutStatus(id)
        #expect(status.phase == .aborted)
        let abort = try #require(try await fixture.admin.rolloutLog(channel: "main", rollout: id).last)
        #expect(abort.action == "abort" && abort.actor == fixture.logins["operator"]! + "_b")
        await secondLogin.connection.close()
        try await fixture.admin.connection.execute("DROP ROLE \(fixture.logins["operator"]!)_b")
        await fixture.close()
    }
}
