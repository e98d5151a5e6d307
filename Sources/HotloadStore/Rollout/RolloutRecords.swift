import Foundation

/// Where a rollout is in its life (see sql/README.md, "Rollouts", for who moves it how).
public enum RolloutPhase: String, Sendable, Hashable, CaseIterable {
    /// Waiting for the approvals its channel requires.
    case proposed
    /// Approved; waits for its first step.
    case approved
    /// Its current step's nodes run the candidate.
    case progressing
    /// Held at its step by an operator.
    case paused
    /// Terminal: the candidate became the channel's stable release.
    case promoted
    /// Terminal: every node is back on stable; never retried by itself.
    case aborted
    /// Terminal: an approver rejected it.
    case rejected

    /// Whether the rollout is still the channel's active one.
    public var isActive: Bool {
        switch self {
        case .proposed, .approved, .progressing, .paused: true
        case .promoted, .aborted, .rejected: false
        }
    }
}

/// A channel's rollout policy: pushes to the channel become rollouts with this plan.
public struct ChannelPolicy: Sendable, Hashable {
    public var channel: String
    /// Distinct approvers a rollout needs (0: it starts progressing at once).
    public var requiredApprovals: Int
    public var steps: [RolloutStep]
    /// Seconds each step bakes before the next may start.
    public var bakeSeconds: Int
    /// CEL health gates (see `RolloutGate`).
    public var gates: [String]
    /// A fixed salt (a fixed canary fleet); nil: each rollout's id.
    public var salt: String?
    /// The login that set the policy, and when.
    public var updatedBy: String
    public var updatedAt: Date
}

/// The parts of a rollout plan to set; nil parts come from the channel's policy (when
/// starting) or stay as they are (when re-planning).
public struct RolloutPlan: Sendable, Hashable {
    public var steps: [RolloutStep]?
    public var bakeSeconds: Int?
    public var gates: [String]?

    public init(steps: [RolloutStep]? = nil, bakeSeconds: Int? = nil, gates: [String]? = nil) {
        self.steps = steps
        self.bakeSeconds = bakeSeconds
        self.gates = gates
    }
}

/// One approval or rejection of a rollout.
public struct RolloutVerdict: Sendable, Hashable {
    /// The approver's login.
    public var approver: String
    public var approved: Bool
    public var message: String
    public var at: Date
    /// Whether it judged the rollout's current plan (only those count).
    public var current: Bool
}

/// A node of the rollout's channel as the rollout sees it.
public struct RolloutNode: Sendable, Hashable {
    public var name: String
    /// `RolloutBucket.bucket(salt:node:)` under the rollout's salt.
    public var bucket: UInt64
    /// The release the node should run: the pinned one, else the candidate when its
    /// bucket is below the threshold (while the rollout is active), else stable. The
    /// node computes the same itself (`hotload.rollout_bucket` in its read).
    public var target: Int64?
    /// Whether that target is the candidate.
    public var runsCandidate: Bool
    /// The release of an unexpired pin, and when it expires.
    public var pinned: Int64?
    public var pinExpiresAt: Date?
    /// What the node last reported it applied (what it runs now).
    public var appliedRelease: Int64?
    /// What the node reported that release is to the channel (stable, candidate, pinned).
    public var appliedRole: ReleaseRole?
    /// Whether its heartbeat is recent and it has not stopped.
    public var live: Bool
}

/// A rollout and its nodes.
public struct RolloutStatus: Sendable, Hashable {
    public var id: Int64
    public var channel: String
    public var phase: RolloutPhase
    /// The channel's stable release now.
    public var stable: Int64?
    public var candidate: Int64
    /// The stable release when the rollout was created.
    public var base: Int64?
    /// The current step (index into `steps`); nil before the first step.
    public var step: Int?
    public var steps: [RolloutStep]
    public var bakeSeconds: Int
    public var gates: [String]
    public var salt: String
    /// Nodes with a bucket below this run the candidate (pins aside).
    public var threshold: UInt64
    public var planHash: String
    /// Every verdict, oldest first; `approvals` counts the current plan's approvals.
    public var verdicts: [RolloutVerdict]
    public var requiredApprovals: Int
    public var createdBy: String
    public var createdAt: Date
    public var stepStartedAt: Date?
    public var endedAt: Date?
    public var endReason: String?
    public var nodes: [RolloutNode]

    /// Distinct approvers of the current plan.
    public var approvals: Int {
        Set(verdicts.filter { $0.current && $0.approved }.map(\.approver)).count
    }
}

/// One recorded rollout action (or policy change).
public struct RolloutEvent: Sendable, Hashable {
    public var id: Int64
    public var channel: String
    public var rollout: Int64?
    /// `policy`, `policy_cleared`, `propose`, `replan`, `approve`, `reject`, `approved`,
    /// `step`, `pause`, `resume`, `promote`, `abort`, `pin`, `unpin`, `gate`.
    public var action: String
    /// The login that acted.
    public var actor: String
    public var at: Date
    /// The facts of the action, as a JSON object.
    public var detail: String
}

/// A node pinned to a release.
public struct NodePin: Sendable, Hashable {
    public var node: String
    public var channel: String
    public var release: Int64
    public var expiresAt: Date
    public var pinnedBy: String
    public var pinnedAt: Date
}
