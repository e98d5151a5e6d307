import Foundation
import PQ

/// The SQLSTATEs `sql/0300_rollouts.sql` refuses rollout actions with, and their mapping
/// to `StoreError`s (the facts come from the error's DETAIL; see sql/README.md).
enum RolloutRefusal {
    static let rolloutActive = "HL010"
    static let unknownRollout = "HL011"
    static let phase = "HL012"
    static let selfApproval = "HL013"
    static let alreadyApproved = "HL014"
    static let lastStep = "HL015"
    static let stepMoved = "HL016"
    static let invalidCandidate = "HL017"
    static let invalidArgument = "HL018"
    static let pinRefused = "HL019"
    static let threshold = "HL020"
    static let notLeader = "HL021"

    /// What the failed action was about, for the message.
    struct Context {
        var rollout: Int64?
        var channel: String?
        var node: String?
        var action: String
    }

    /// The store error for a refusal, or `error` itself when it is none of these.
    static func error(_ error: PQError, _ context: Context) -> any Error {
        let detail = error.detail ?? ""
        let rollout = context.rollout ?? Int64(detail) ?? 0
        switch error.sqlState {
        case rolloutActive:
            return StoreError.rolloutActive(channel: context.channel ?? "?", rollout: Int64(detail) ?? 0)
        case unknownRollout:
            return StoreError.unknownRollout(rollout)
        case phase:
            return StoreError.rolloutPhase(rollout: rollout, phase: detail, action: context.action)
        case selfApproval:
            return StoreError.selfApproval(rollout: rollout, role: detail)
        case alreadyApproved:
            return StoreError.alreadyApproved(rollout: rollout, role: detail)
        case lastStep:
            return StoreError.lastStep(rollout: rollout)
        case stepMoved:
            return StoreError.stepMoved(rollout: rollout, step: Int(detail) ?? -1)
        case invalidCandidate:
            return StoreError.invalidCandidate(release: Int64(detail) ?? 0, channel: context.channel ?? "?",
                                               reason: error.message)
        case invalidArgument, threshold:
            return StoreError.invalidRequest(error.message)
        case notLeader:
            return StoreError.notLeader(channel: context.channel, rollout: context.rollout,
                                        leader: UUID(uuidString: detail))
        case pinRefused:
            return StoreError.pinRefused(node: context.node ?? "?", reason: error.message)
        default:
            return error
        }
    }
}

extension Store {
    /// Runs a rollout action that needs `role`: permission and schema errors are mapped as
    /// everywhere (`run(needs:)`), rollout refusals by `RolloutRefusal`.
    @discardableResult
    func runRollout<T: Sendable>(needs role: HotloadRole, _ context: RolloutRefusal.Context,
                                 _ body: () async throws -> T) async throws -> T {
        do {
            return try await run(needs: role, body)
        } catch let error as PQError {
            throw RolloutRefusal.error(error, context)
        }
    }
}
