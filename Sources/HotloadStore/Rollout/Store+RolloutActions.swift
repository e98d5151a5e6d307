import Foundation
import PQ

extension Store {
    /// Starts a rollout of `release` on `channel`: a newer release, or an older one for a
    /// staged rollback. Parts of `plan` left nil come from the channel's policy (a channel
    /// without one needs the steps). The rollout is proposed when the policy requires
    /// approvals, else progressing before its first step. Needs `hotload_operator`.
    /// - Parameter salt: a fixed salt (a fixed canary fleet); nil: the policy's, else the id.
    /// - Returns: the rollout's id.
    public func startRollout(channel: String, release: Int64, plan: RolloutPlan = RolloutPlan(),
                             salt: String? = nil) async throws -> Int64 {
        try Self.validate(channel: channel)
        try Self.validate(plan: plan)
        if let salt { try Self.validate(salt: salt) }
        return try await runRollout(needs: .operator, .init(channel: channel, action: "start")) {
            let rows = try await connection.query(
                "SELECT hotload.rollout_start($1, $2, $3::text[], $4, $5::text[], $6) AS id",
                [.text(channel), .int(release), plan.steps.map { .textArray($0.map(\.description)) } ?? .null,
                 plan.bakeSeconds.map { .int($0) } ?? .null, plan.gates.map { .textArray($0) } ?? .null,
                 .optionalText(salt)])
            return try rows.first?.decode("id", as: Int64.self) ?? 0
        }
    }

    /// Changes the plan of a rollout that has not started. Its approvals were for the old
    /// plan: it needs approvals of the new one. Needs `hotload_operator`.
    public func replanRollout(_ rollout: Int64, plan: RolloutPlan) async throws {
        try Self.validate(plan: plan)
        try await runRollout(needs: .operator, .init(rollout: rollout, action: "change its plan")) {
            try await connection.execute(
                "SELECT hotload.rollout_replan($1, $2::text[], $3, $4::text[])",
                [.int(rollout), plan.steps.map { .textArray($0.map(\.description)) } ?? .null,
                 plan.bakeSeconds.map { .int($0) } ?? .null, plan.gates.map { .textArray($0) } ?? .null])
        }
    }

    /// Enters the rollout's next step (its first from approved). The step's threshold is
    /// computed here with `RolloutStep.threshold(liveBuckets:)` over the channel's live
    /// nodes (not stopped, heartbeat within `liveSeconds`) and is never lower than the
    /// current one, so a step only adds nodes. Needs `hotload_operator`.
    /// - Parameter controller: the controller instance taking the step: the database
    ///   refuses it (`not_leader`) unless that instance holds the channel's unexpired
    ///   lease. nil: an operator's manual step, which needs no lease.
    /// - Returns: the new step's index into the plan's steps.
    @discardableResult
    public func nextStep(_ rollout: Int64, liveSeconds: Int = 30, controller: UUID? = nil) async throws -> Int {
        let context = RolloutRefusal.Context(rollout: rollout, action: "enter the next step")
        return try await runRollout(needs: .operator, context) {
            let rows = try await connection.query("""
                SELECT r.channel, r.salt, r.step, r.threshold, to_json(r.steps)::text AS steps,
                       coalesce((SELECT to_json(array_agg(s.name))::text FROM hotload.node_status s
                                 WHERE s.channel = r.channel AND NOT s.stopped
                                   AND s.heartbeat_at > now() - make_interval(secs => $2)), '[]') AS live
                FROM hotload.rollouts r WHERE r.id = $1
                """, [.int(rollout), .int(liveSeconds)])
            guard let row = rows.first else { throw StoreError.unknownRollout(rollout) }
            let salt = try row.decode("salt", as: String.self)
            let current = try row.decode("step", as: Int?.self)
            let threshold = UInt64(try row.decode("threshold", as: Int64.self))
            let steps = try RolloutJSON.steps(try row.decode("steps", as: String.self))
            let next = (current ?? -1) + 1
            guard next < steps.count else { throw StoreError.lastStep(rollout: rollout) }
            let live = try RolloutJSON.strings(try row.decode("live", as: String.self))
            let buckets = live.map { RolloutBucket.bucket(salt: salt, node: $0) }
            let target = max(threshold, steps[next].threshold(liveBuckets: buckets))
            let arguments: [PQValue] = [.int(rollout), .int(current ?? -1), .int(Int64(target))]
            let entered = try await connection.query(
                controller == nil ? "SELECT hotload.rollout_next($1, $2, $3) AS step"
                    : "SELECT hotload.controller_next($4::uuid, $1, $2, $3) AS step",
                arguments + (controller.map { [.text($0.uuidString)] } ?? []))
            return try entered.first?.decode("step", as: Int.self) ?? next
        }
    }

    /// Holds a progressing rollout at its step. Needs `hotload_operator`.
    public func pauseRollout(_ rollout: Int64, reason: String? = nil) async throws {
        try await runRollout(needs: .operator, .init(rollout: rollout, action: "pause")) {
            try await connection.execute("SELECT hotload.rollout_pause($1, $2)", [.int(rollout), .optionalText(reason)])
        }
    }

    /// Resumes a paused rollout at its step. Needs `hotload_operator`.
    public func resumeRollout(_ rollout: Int64) async throws {
        try await runRollout(needs: .operator, .init(rollout: rollout, action: "resume")) {
            try await connection.execute("SELECT hotload.rollout_resume($1)", [.int(rollout)])
        }
    }

    /// Makes the candidate the channel's stable release; only after approval. Needs
    /// `hotload_operator`.
    public func promoteRollout(_ rollout: Int64) async throws {
        try await runRollout(needs: .operator, .init(rollout: rollout, action: "be promoted")) {
            try await connection.execute("SELECT hotload.rollout_promote($1)", [.int(rollout)])
        }
    }

    /// Aborts the rollout: every node back on stable; terminal, never retried. Needs
    /// `hotload_operator`.
    /// - Parameter controller: the controller instance aborting it: refused (`not_leader`)
    ///   unless it holds the channel's unexpired lease. nil: an operator's manual abort.
    public func abortRollout(_ rollout: Int64, reason: String, controller: UUID? = nil) async throws {
        _ = try await abortRolloutTimed(rollout, reason: reason, controller: controller)
    }

    /// `abortRollout` in an explicit transaction, returning the instant just before
    /// `COMMIT` was sent: the abort and its NOTIFY take effect at that commit. For the
    /// abort benchmark, which times commit → every canary serving stable, as
    /// `publishTimed` does for releases.
    package func abortRolloutTimed(_ rollout: Int64, reason: String,
                                   controller: UUID? = nil) async throws -> ContinuousClock.Instant {
        guard !reason.allSatisfy(\.isWhitespace) else {
            throw StoreError.invalidRequest("an abort needs a reason")
        }
        return try await runRollout(needs: .operator, .init(rollout: rollout, action: "be aborted")) {
            try await timedTransaction {
                if let controller {
                    try await connection.execute("SELECT hotload.controller_abort($1::uuid, $2, $3)",
                                                 [.text(controller.uuidString), .int(rollout), .text(reason)])
                } else {
                    try await connection.execute("SELECT hotload.rollout_abort($1, $2)", [.int(rollout), .text(reason)])
                }
            }.committedAt
        }
    }
}
