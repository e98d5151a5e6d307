import Foundation
import PQ

extension Store {
    /// The id of the channel's active rollout; nil when there is none.
    public func activeRollout(channel: String) async throws -> Int64? {
        try await run(needs: .reader) {
            let rows = try await connection.query("""
                SELECT id FROM hotload.rollouts
                WHERE channel = $1 AND phase IN ('proposed', 'approved', 'progressing', 'paused')
                """, [.text(channel)])
            return try rows.first?.decode("id", as: Int64.self)
        }
    }

    /// The channel's active rollout, else its latest one; nil when it never had one.
    /// - Parameter liveSeconds: a node whose heartbeat is older is not live.
    public func rolloutStatus(channel: String, liveSeconds: Int = 30) async throws -> RolloutStatus? {
        let id: Int64? = try await run(needs: .reader) {
            let rows = try await connection.query("""
                SELECT id FROM hotload.rollouts WHERE channel = $1
                ORDER BY phase IN ('proposed', 'approved', 'progressing', 'paused') DESC, id DESC LIMIT 1
                """, [.text(channel)])
            return try rows.first?.decode("id", as: Int64.self)
        }
        guard let id else { return nil }
        return try await rolloutStatus(id, liveSeconds: liveSeconds)
    }

    /// A rollout with its verdicts and the nodes of its channel: each node's bucket, the
    /// release it should run, its pin, and what it reported it runs. One snapshot (repeatable read).
    public func rolloutStatus(_ rollout: Int64, liveSeconds: Int = 30) async throws -> RolloutStatus {
        try await run(needs: .reader) {
            try await connection.transaction { @Sendable conn in
                try await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                return try await Self.status(conn, rollout, liveSeconds: liveSeconds)
            }
        }
    }

    private static func status(_ conn: isolated Connection, _ rollout: Int64,
                               liveSeconds: Int) async throws -> RolloutStatus {
        let rows = try await conn.query("""
            SELECT r.id, r.channel, r.phase, c.stable, r.candidate, r.base, r.step, to_json(r.steps)::text AS steps,
                   r.bake_seconds, to_json(r.gates)::text AS gates, r.salt, r.threshold, r.plan_hash,
                   r.required_approvals, r.created_by, r.created_at, r.step_started_at, r.ended_at, r.end_reason
            FROM hotload.rollouts r JOIN hotload.channels c ON c.name = r.channel WHERE r.id = $1
            """, [.int(rollout)])
        guard let row = rows.first else { throw StoreError.unknownRollout(rollout) }
        let phaseText = try row.decode("phase", as: String.self)
        guard let phase = RolloutPhase(rawValue: phaseText) else {
            throw StoreError.invalidRequest("rollout \(rollout) has an unknown phase \(phaseText)")
        }
        var status = RolloutStatus(
            id: rollout, channel: try row.decode("channel", as: String.self), phase: phase,
            stable: try row.decode("stable", as: Int64?.self), candidate: try row.decode("candidate", as: Int64.self),
            base: try row.decode("base", as: Int64?.self), step: try row.decode("step", as: Int?.self),
            steps: try RolloutJSON.steps(try row.decode("steps", as: String.self)),
            bakeSeconds: try row.decode("bake_seconds", as: Int.self),
            gates: try RolloutJSON.strings(try row.decode("gates", as: String.self)),
            salt: try row.decode("salt", as: String.self),
            threshold: UInt64(try row.decode("threshold", as: Int64.self)),
            planHash: try row.decode("plan_hash", as: String.self), verdicts: [],
            requiredApprovals: try row.decode("required_approvals", as: Int.self),
            createdBy: try row.decode("created_by", as: String.self),
            createdAt: try row.decode("created_at", as: Date.self),
            stepStartedAt: try row.decode("step_started_at", as: Date?.self),
            endedAt: try row.decode("ended_at", as: Date?.self),
            endReason: try row.decode("end_reason", as: String?.self), nodes: [])

        let verdicts = try await conn.query("""
            SELECT approver, verdict, message, at, plan_hash FROM hotload.rollout_approvals
            WHERE rollout = $1 ORDER BY at, approver COLLATE "C"
            """, [.int(rollout)])
        status.verdicts = try verdicts.map { row in
            RolloutVerdict(approver: try row.decode("approver", as: String.self),
                           approved: try row.decode("verdict", as: String.self) == "approve",
                           message: try row.decode("message", as: String.self),
                           at: try row.decode("at", as: Date.self),
                           current: try row.decode("plan_hash", as: String.self) == status.planHash)
        }

        let nodes = try await conn.query("""
            SELECT s.name, s.applied_release, s.applied_role,
                   (NOT s.stopped AND s.heartbeat_at > now() - make_interval(secs => $2)) AS live,
                   p.release AS pinned, p.expires_at
            FROM hotload.node_status s
            LEFT JOIN hotload.node_pins p ON p.node = s.name AND p.channel = s.channel AND p.expires_at > now()
            WHERE s.channel = $1 ORDER BY s.name COLLATE "C"
            """, [.text(status.channel), .int(liveSeconds)])
        status.nodes = try nodes.map { row in
            let name = try row.decode("name", as: String.self)
            let pinned = try row.decode("pinned", as: Int64?.self)
            let bucket = RolloutBucket.bucket(salt: status.salt, node: name)
            let selected = status.phase.isActive && RolloutBucket.selects(bucket: bucket, threshold: status.threshold)
            let target = pinned ?? (selected ? status.candidate : status.stable)
            return RolloutNode(name: name, bucket: bucket, target: target,
                               runsCandidate: status.phase.isActive && target == status.candidate,
                               pinned: pinned, pinExpiresAt: try row.decode("expires_at", as: Date?.self),
                               appliedRelease: try row.decode("applied_release", as: Int64?.self),
                               appliedRole: try row.decode("applied_role", as: String?.self)
                                   .flatMap(ReleaseRole.init(rawValue:)),
                               live: try row.decode("live", as: Bool.self))
        }
        return status
    }

    /// Recorded rollout actions and policy changes of a channel (or of one rollout),
    /// oldest first: the newest `limit` (1...10,000).
    public func rolloutLog(channel: String, rollout: Int64? = nil, limit: Int = 100) async throws -> [RolloutEvent] {
        guard (1...10_000).contains(limit) else {
            throw StoreError.invalidRequest("the number of events must be between 1 and 10000, not \(limit)")
        }
        return try await run(needs: .reader) {
            let rows = try await connection.query("""
                SELECT * FROM (
                    SELECT id, channel, rollout, action, actor, at, detail::text AS detail FROM hotload.rollout_events
                    WHERE channel = $1 AND ($2::bigint IS NULL OR rollout = $2)
                    ORDER BY id DESC LIMIT $3) e
                ORDER BY id
                """, [.text(channel), rollout.map { .int($0) } ?? .null, .int(limit)])
            return try rows.map { row in
                RolloutEvent(id: try row.decode("id", as: Int64.self),
                             channel: try row.decode("channel", as: String.self),
                             rollout: try row.decode("rollout", as: Int64?.self),
                             action: try row.decode("action", as: String.self),
                             actor: try row.decode("actor", as: String.self),
                             at: try row.decode("at", as: Date.self),
                             detail: try row.decode("detail", as: String.self))
            }
        }
    }
}
