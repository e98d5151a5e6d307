import ArgumentParser
import CEL
import HotloadNode
import HotloadStore
import PostgresHarness
import PQ

/// The gray-release act of `hotload demo` (steps 9 to 13): one login per role, a channel
/// policy, a push that becomes a proposed rollout approved by another login, a canary on
/// one node of three, a candidate whose calls fail aborted by the controller on its own,
/// and a fixed candidate stepped to 100% by the controller and promoted by the operator.
extension Demo {
    /// A login of the act, created as the private server's superuser and a member of
    /// Hotload group roles: the database itself decides what each may do.
    struct Login: Sendable {
        let name: String
        let roles: [String]
    }

    /// Pushes, and reviews other people's pushes: it may approve, but not its own push.
    static let pusher = Login(name: "demo_pusher", roles: ["hotload_pusher", "hotload_approver"])
    static let approver = Login(name: "demo_approver", roles: ["hotload_approver"])
    static let operatorLogin = Login(name: "demo_operator", roles: ["hotload_operator"])
    static let admin = Login(name: "demo_admin", roles: ["hotload_admin"])

    /// The channel policy: one approval; one node, then every node; a second of bake per
    /// step; a gate that lets a canary with little traffic pass and otherwise compares its
    /// error rate with the stable release's.
    static let policySteps = "1,100%"
    static let policyBakeSeconds = 1
    static let policyGate = "canary.calls < 20 || canary.error_rate <= stable.error_rate + 0.05"
    /// How often the demo's controller ticks (`hotload controller` defaults to 10 s).
    static let controllerInterval = Swift.Duration.milliseconds(200)
    /// Calls to every node, through the node call API, before each controller tick: the
    /// traffic whose figures the nodes report and the gate judges.
    static let callsPerTick = 10

    /// The candidate whose calls fail: shipping costs read from a field orders do not have.
    static let brokenShipping = Edit(module: "billing/pricing.hl", replacing: "tax.rate(order.country))",
                                     with: "tax.rate(order.country)) + order.shipping")
    /// The fix: shipping costs only when the order has them.
    static let shipping = Edit(module: "billing/pricing.hl", replacing: "tax.rate(order.country))",
                               with: "tax.rate(order.country)) + (has(order.shipping) ? order.shipping : 0.0)")

    /// What the act works with.
    struct GrayReleaseStage {
        /// The superuser's store: the act only reads through it.
        let store: Store
        let server: PrivateServer
        let database: String
        let nodes: [Node]
        /// The rules directory pushes read.
        let rules: String
        let order: Value
        /// The channel's stable release when the act starts.
        let stable: Int64

        /// Where `login` connects.
        func configuration(_ login: Login) -> ConnectionConfiguration {
            ConnectionConfiguration(server.url(database: database, user: login.name))
        }
    }

    /// Steps 9 to 13; returns the channel's stable release at the end.
    func grayRelease(_ stage: GrayReleaseStage) async throws -> Int64 {
        step("9. Gray release: a login per role, and a channel policy")
        let logins = [Self.pusher, Self.approver, Self.operatorLogin, Self.admin]
        let server = stage.server
        try await Harness.offload { () throws(HarnessError) in
            try server.createLogins(logins.map { (login: $0.name, groups: $0.roles) })
        }
        Output.line("logins, created as the private server's superuser:")
        for login in logins { Output.line("  \(login.name) in \(login.roles.joined(separator: ", "))") }
        Output.line("$ hotload channel set main --approvals 1 --steps \"\(Self.policySteps)\" "
                    + "--bake \(Self.policyBakeSeconds)s --gate '\(Self.policyGate)'   # as \(Self.admin.name)")
        let policy = try await withStore(stage.configuration(Self.admin)) { store in
            try await store.setChannelPolicy(channel: "main", requiredApprovals: 1,
                                             steps: try RolloutStep.parse(list: Self.policySteps),
                                             bakeSeconds: Self.policyBakeSeconds, gates: [Self.policyGate])
            return try await store.channelPolicy(channel: "main")
        }
        if let policy { RolloutReport.print(policy) }

        step("10. A push becomes a proposed rollout; another login approves it")
        let brokenRollout = try await propose(stage, Self.brokenShipping, message: "shipping costs", selfApproval: true)

        step("11. The controller (as \(Self.operatorLogin.name)) puts the candidate on one node of three")
        Output.line("$ hotload controller --channel main --interval 0.2   # as \(Self.operatorLogin.name)")
        let controller = RolloutController(configuration: ControllerConfiguration(
            channel: "main", interval: Self.controllerInterval))
        return try await withStore(stage.configuration(Self.operatorLogin)) { operatorStore in
            try await control(controller, operatorStore, stage, until: "the controller entered step 1") { $0.kind == .step }
            try await showCanary(stage, brokenRollout)
            for node in stage.nodes { countedCall(node, stage.order) }

            step("12. Its calls fail: the gate catches it, and the controller aborts it by itself")
            Output.line("before each tick, every node serves \(Self.callsPerTick) calls of billing/pricing.final_price(order)")
            try await control(controller, operatorStore, stage, until: "the controller aborted rollout \(brokenRollout)") {
                $0.kind == .abort
            }
            let aborted = try await settled(stage, brokenRollout)
            Output.line("rollout \(brokenRollout) is \(aborted.phase.rawValue), by the controller alone; "
                        + "every node back on stable release \(stage.stable): \(names(aborted.nodes))")
            for node in stage.nodes { countedCall(node, stage.order) }

            step("13. A fixed candidate: approved, stepped to 100% by the controller, promoted by the operator")
            let fixedRollout = try await propose(stage, Self.shipping, message: "shipping costs, only when the order has them")
            try await control(controller, operatorStore, stage, until: "the controller entered step 1") { $0.kind == .step }
            try await showCanary(stage, fixedRollout)
            try await control(controller, operatorStore, stage, until: "rollout \(fixedRollout) is ready to promote") {
                $0.kind == .ready
            }
            let status = try await stage.store.rolloutStatus(fixedRollout)
            Output.line("$ hotload rollout promote   # as \(Self.operatorLogin.name)")
            try await operatorStore.promoteRollout(fixedRollout)
            Output.line("rollout \(fixedRollout) promoted: release \(status.candidate) is stable on channel main")
            let promoted = try await settled(stage, fixedRollout)
            Output.line("every node on the new stable release \(status.candidate): \(names(promoted.nodes))")
            for node in stage.nodes { countedCall(node, stage.order) }
            try await controller.stopped(operatorStore)
            return status.candidate
        }
    }

    /// Pushes `edit` as the pusher (a proposed rollout under the policy), shows the database
    /// refusing the pusher's own approval (with `selfApproval`), and approves it as the
    /// approver; returns the rollout id.
    private func propose(_ stage: GrayReleaseStage, _ edit: Edit, message: String,
                         selfApproval: Bool = false) async throws -> Int64 {
        try write(try Self.module(after: edit), to: stage.rules + "/" + edit.module)
        let candidate = try await withStore(stage.configuration(Self.pusher)) { store in
            try await push(store, stage.rules, message: message, login: Self.pusher.name)
        }
        guard let rollout = try await stage.store.activeRollout(channel: "main") else {
            throw ValidationError("the push of release \(candidate) created no rollout")
        }
        let proposed = try await stage.store.rolloutStatus(rollout)
        Output.line("rollout \(rollout) is \(proposed.phase.rawValue): candidate \(candidate), stable "
                    + "\(proposed.stable.map(String.init) ?? "none"), \(proposed.approvals)/\(proposed.requiredApprovals) "
                    + "approvals; every node stays on its release until the rollout selects it")

        if selfApproval {
            Output.line("$ hotload approve \(rollout)   # as \(Self.pusher.name)")
            do {
                try await withStore(stage.configuration(Self.pusher)) { _ = try await $0.approveRollout(rollout) }
                throw ValidationError("unexpected: \(Self.pusher.name) approved its own push")
            } catch let error as StoreError {
                Output.line(render(error))
            }
        }
        Output.line("$ hotload approve \(rollout) -m \"reviewed\"   # as \(Self.approver.name)")
        let phase = try await withStore(stage.configuration(Self.approver)) {
            try await $0.approveRollout(rollout, message: "reviewed")
        }
        Output.line("rollout \(rollout) approved by \(Self.approver.name); it is \(phase.rawValue)")
        return rollout
    }

    /// Ticks `controller` every `controllerInterval` on `store` until an event satisfies
    /// `done`, with `callsPerTick` calls to every node before each tick, and prints its
    /// decisions (a hold, pass or bake once until something else happens).
    private func control(_ controller: RolloutController, _ store: Store, _ stage: GrayReleaseStage,
                         until what: String, _ done: (ControllerEvent) -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        var shown: Set<ControllerEvent.Kind> = []
        while true {
            for node in stage.nodes { traffic(node, stage.order) }
            for event in try await controller.tick(store) {
                if event.kind == .error { throw ValidationError("the controller failed: \(event.message)") }
                let repeating: Set<ControllerEvent.Kind> = [.hold, .pass, .baking]
                if repeating.contains(event.kind) {
                    if shown.insert(event.kind).inserted { Output.line("controller: \(Output.safe(event.message))") }
                } else {
                    shown = []
                    Output.line("controller: \(Output.safe(event.message))")
                }
                if done(event) { return }
            }
            if ContinuousClock.now > deadline { throw ValidationError("the demo timed out waiting until \(what)") }
            try await Task.sleep(for: Self.controllerInterval)
        }
    }

    /// `rollout status` once every node reported running what the rollout gives it, and
    /// which nodes run the candidate.
    private func showCanary(_ stage: GrayReleaseStage, _ rollout: Int64) async throws {
        let status = try await settled(stage, rollout)
        Output.line("$ hotload rollout status")
        RolloutReport.print(status)
        let canary = status.nodes.filter(\.runsCandidate)
        let others = status.nodes.filter { !$0.runsCandidate }
        Output.line("the candidate \(status.candidate) runs on \(canary.count) node\(canary.count == 1 ? "" : "s") of "
                    + "\(status.nodes.count): \(names(canary)); \(names(others)) stay on stable release "
                    + "\(status.stable.map(String.init) ?? "none")")
    }

    /// The rollout's status once every node reported that it runs its target, in the role
    /// the rollout gives it (candidate, or stable).
    private func settled(_ stage: GrayReleaseStage, _ rollout: Int64) async throws -> RolloutStatus {
        var status = try await stage.store.rolloutStatus(rollout)
        try await waitUntil("every node runs what rollout \(rollout) gives it", every: .milliseconds(20)) {
            status = try await stage.store.rolloutStatus(rollout)
            return status.nodes.count == stage.nodes.count && status.nodes.allSatisfy { node in
                node.appliedRelease == node.target && node.appliedRole == (node.runsCandidate ? .candidate : .stable)
            }
        }
        return status
    }

    private func names(_ nodes: [RolloutNode]) -> String {
        nodes.isEmpty ? "no node" : nodes.map { Output.safe($0.name) }.joined(separator: ", ")
    }

    /// `callsPerTick` counted calls of `billing/pricing.final_price(order)` on the node.
    private func traffic(_ node: Node, _ order: Value) {
        guard let loaded = node.current else { return }
        for _ in 0..<Self.callsPerTick {
            _ = try? loaded.call(module: "billing/pricing", function: "final_price", args: [order])
        }
    }

    /// One counted call, printed with the release that served it (an error value too).
    private func countedCall(_ node: Node, _ order: Value) {
        guard let loaded = node.current else { return }
        let result: String
        do {
            let value = try loaded.call(module: "billing/pricing", function: "final_price", args: [order])
            if case .error(let error) = value { result = "error: \(error.message)" } else { result = try value.json() }
        } catch {
            result = "error: \(error)"
        }
        Output.line("\(node.configuration.name) (release \(loaded.release)): billing/pricing.final_price(order) = \(result)")
    }
}
