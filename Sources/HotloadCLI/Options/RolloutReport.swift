import Foundation
import HotloadStore

/// How the rollout commands print policies, rollouts and events, as text and as JSON.
enum RolloutReport {
    /// An optional that is written as `null` rather than left out, so that every key of
    /// the documented JSON shape is always present.
    struct OrNull<Value: Encodable>: Encodable {
        var value: Value?

        init(_ value: Value?) { self.value = value }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            if let value { try container.encode(value) } else { try container.encodeNil() }
        }
    }

    /// `hotload channel show --json` and `channel list --json`.
    struct PolicyJSON: Encodable {
        var channel: String
        var required_approvals: Int
        var steps: [String]
        var bake_seconds: Int
        var gates: [String]
        var salt: String?
        var updated_by: String
        var updated_at: String

        init(_ policy: ChannelPolicy) {
            channel = policy.channel
            required_approvals = policy.requiredApprovals
            steps = policy.steps.map(\.description)
            bake_seconds = policy.bakeSeconds
            gates = policy.gates
            salt = policy.salt
            updated_by = policy.updatedBy
            updated_at = Output.timestamp(policy.updatedAt)
        }
    }

    /// `hotload rollout status --json`.
    struct StatusJSON: Encodable {
        struct Node: Encodable {
            var name: String
            var bucket: UInt64
            /// What the node reported it runs now (null: nothing yet).
            var release: OrNull<Int64>
            /// What it reported that release is: "stable", "candidate" or "pinned".
            var role: OrNull<String>
            /// What it should run under this rollout (pin, else bucket, else stable).
            var target: OrNull<Int64>
            /// Whether the target is the candidate.
            var candidate: Bool
            var pinned: OrNull<Int64>
            var pin_expires_at: String?
            var live: Bool
        }
        struct Verdict: Encodable {
            var approver: String
            var verdict: String
            var message: String
            var at: String
            var current_plan: Bool
        }

        var id: Int64
        var channel: String
        var phase: String
        var stable: OrNull<Int64>
        var candidate: Int64
        /// 1-based, as printed; null before the first step.
        var step: OrNull<Int>
        var steps: [String]
        var bake_seconds: Int
        var gates: [String]
        var salt: String
        var threshold: UInt64
        var approvals: Int
        var required_approvals: Int
        var verdicts: [Verdict]
        var plan_hash: String
        var created_by: String
        var created_at: String
        var ended_at: String?
        var end_reason: String?
        var nodes: [Node]
        /// Whether a controller is running for the channel (`hotload controller`); without
        /// one an active rollout holds where it is.
        var controller_running: Bool
        /// `host:pid` of the controller leading the channel, if one is.
        var controller_leader: OrNull<String>
        /// The latest gate event's detail (verdict, step, gates, figures) as a JSON text,
        /// like `rollout log --json`'s `detail`.
        var last_gate: OrNull<String>

        init(_ status: RolloutStatus, health: Health) {
            controller_running = !health.controllers.isEmpty
            controller_leader = OrNull(health.leader(of: status.channel).map { "\($0.host):\($0.pid)" })
            last_gate = OrNull(health.lastGate?.detail)
            id = status.id
            channel = status.channel
            phase = status.phase.rawValue
            stable = OrNull(status.stable)
            candidate = status.candidate
            step = OrNull(status.step.map { $0 + 1 })
            steps = status.steps.map(\.description)
            bake_seconds = status.bakeSeconds
            gates = status.gates
            salt = status.salt
            threshold = status.threshold
            approvals = status.approvals
            required_approvals = status.requiredApprovals
            verdicts = status.verdicts.map {
                Verdict(approver: $0.approver, verdict: $0.approved ? "approve" : "reject", message: $0.message,
                        at: Output.timestamp($0.at), current_plan: $0.current)
            }
            plan_hash = status.planHash
            created_by = status.createdBy
            created_at = Output.timestamp(status.createdAt)
            ended_at = status.endedAt.map(Output.timestamp)
            end_reason = status.endReason
            nodes = status.nodes.map {
                Node(name: $0.name, bucket: $0.bucket, release: OrNull($0.appliedRelease),
                     role: OrNull($0.appliedRole?.rawValue), target: OrNull($0.target), candidate: $0.runsCandidate,
                     pinned: OrNull($0.pinned), pin_expires_at: $0.pinExpiresAt.map(Output.timestamp), live: $0.live)
            }
        }
    }

    /// `hotload rollout log --json`.
    struct EventJSON: Encodable {
        var id: Int64
        var channel: String
        var rollout: Int64?
        var action: String
        var actor: String
        var at: String
        var detail: String

        init(_ event: RolloutEvent) {
            id = event.id
            channel = event.channel
            rollout = event.rollout
            action = event.action
            actor = event.actor
            at = Output.timestamp(event.at)
            detail = event.detail
        }
    }

    static func print(_ policy: ChannelPolicy) {
        Output.line("channel \(Output.safe(policy.channel)): \(policy.requiredApprovals) approval"
                    + "\(policy.requiredApprovals == 1 ? "" : "s"), steps \(policy.steps.map(\.description).joined(separator: ",")), "
                    + "bake \(policy.bakeSeconds)s\(policy.salt.map { ", salt \(Output.safe($0))" } ?? "")")
        for gate in policy.gates { Output.line("  gate: \(Output.safe(gate))") }
        Output.line("  set by \(Output.safe(policy.updatedBy)) at \(Output.timestamp(policy.updatedAt))")
    }

    static func print(_ status: RolloutStatus) {
        let step = status.step.map { "step \($0 + 1)/\(status.steps.count) (\(status.steps[$0]))" }
            ?? "before step 1/\(status.steps.count)"
        Output.line("rollout \(status.id)  channel \(Output.safe(status.channel))  \(status.phase.rawValue)  \(step)")
        Output.line("  stable \(status.stable.map(String.init) ?? "none")  candidate \(status.candidate)  "
                    + "steps \(status.steps.map(\.description).joined(separator: ","))  bake \(status.bakeSeconds)s  "
                    + "salt \(Output.safe(status.salt))")
        Output.line("  approvals \(status.approvals)/\(status.requiredApprovals)  created by \(Output.safe(status.createdBy)) "
                    + "at \(Output.timestamp(status.createdAt))")
        for gate in status.gates { Output.line("  gate: \(Output.safe(gate))") }
        for verdict in status.verdicts {
            Output.line("  \(verdict.approved ? "approved" : "rejected") by \(Output.safe(verdict.approver))"
                        + "\(verdict.current ? "" : " (earlier plan)")\(verdict.message.isEmpty ? "" : ": \(Output.safe(verdict.message))")")
        }
        if let reason = status.endReason { Output.line("  reason: \(Output.safe(reason))") }
        for node in status.nodes {
            let runs = node.appliedRelease.map { "runs \($0)\(node.appliedRole.map { " (\($0.rawValue))" } ?? "")" }
                ?? "runs nothing"
            let target = node.target.map { "\(node.runsCandidate ? "candidate" : "stable") \($0)" } ?? "none"
            let pin = node.pinned.map { "  pinned to \($0) until \(node.pinExpiresAt.map(Output.timestamp) ?? "?")" } ?? ""
            Output.line("  node \(Output.safe(node.name))  bucket \(node.bucket)  \(runs)  should run \(target)\(pin)"
                        + "\(node.live ? "" : "  (not live)")")
        }
    }

    /// What `rollout status` adds about health: the live controllers and the latest gate verdict.
    struct Health {
        var controllers: [ControllerLiveness]
        var lastGate: RolloutEvent?

        func leader(of channel: String) -> ControllerLiveness? {
            controllers.first { $0.leading.contains(channel) }
        }
    }

    /// Who steers an active rollout (the leading controller, or that none runs: fail-static)
    /// and its latest gate verdict.
    static func print(_ health: Health, for status: RolloutStatus) {
        guard status.phase.isActive else { return }
        let controllers = health.controllers
        if let gate = health.lastGate {
            Output.line("  last gate verdict \(Output.timestamp(gate.at)): \(Output.safe(gate.detail))")
        }
        if let leader = health.leader(of: status.channel) {
            Output.line("  controller: \(Output.safe(leader.host)) pid \(leader.pid) (\(Output.safe(leader.login))) leads, "
                        + "\(controllers.count) running")
        } else if controllers.isEmpty {
            Output.line("  holding: no controller is running; the rollout stays where it is until `hotload controller` runs")
        } else {
            Output.line("  controller: \(controllers.count) running, none leads this channel yet")
        }
    }

    static func print(_ event: RolloutEvent) {
        Output.line("\(Output.timestamp(event.at))  \(event.rollout.map { "rollout \($0)" } ?? "channel")  "
                    + "\(event.action)  by \(Output.safe(event.actor))  \(Output.safe(event.detail))")
    }
}
