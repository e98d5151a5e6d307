import Foundation
import PQ

/// A rollout as the controller steers it: what one tick needs, read in one statement.
public struct ControlledRollout: Sendable, Hashable {
    public var id: Int64
    public var channel: String
    public var phase: RolloutPhase
    /// The current step (index into the plan's steps); nil before the first one.
    public var step: Int?
    public var steps: [RolloutStep]
    public var gates: [String]
    public var candidate: Int64
    /// The channel's stable release.
    public var stable: Int64?
    public var bakeSeconds: Int
    /// Whether the current step has baked (started at least `bakeSeconds` ago, by the
    /// database's clock).
    public var baked: Bool

    /// Whether the current step is the plan's last.
    public var atLastStep: Bool { step.map { $0 + 1 >= steps.count } ?? false }
}

/// A `hotload controller` process that recently recorded its liveness.
public struct ControllerLiveness: Sendable, Hashable {
    public var instance: UUID
    /// The login it runs as.
    public var login: String
    /// The channel it steers; nil: every channel.
    public var channel: String?
    public var host: String
    public var pid: Int
    /// Channels whose unexpired lease it holds (`hotload.controller_leases`).
    public var leading: [String]
    public var heartbeatAt: Date
}

/// The verdict of one gate evaluation of a rollout.
public enum GateVerdict: String, Sendable {
    /// Every gate held.
    case pass
    /// At least one gate failed (or errored).
    case fail
    /// Too little traffic to judge: the step holds.
    case hold
}

extension Store {
    /// The active rollouts (proposed, approved, progressing, paused) of `channel` or of
    /// every channel, oldest first: a controller leads their channels and steers the
    /// approved (their first step) and progressing ones.
    public func controlledRollouts(channel: String?) async throws -> [ControlledRollout] {
        try await run(needs: .reader) {
            let rows = try await connection.query("""
                SELECT r.id, r.channel, r.phase, r.step, to_json(r.steps)::text AS steps, to_json(r.gates)::text AS gates,
                       r.candidate, c.stable, r.bake_seconds,
                       coalesce(r.step_started_at + make_interval(secs => r.bake_seconds) <= now(), false) AS baked
                FROM hotload.rollouts r JOIN hotload.channels c ON c.name = r.channel
                WHERE r.phase IN ('proposed', 'approved', 'progressing', 'paused') AND ($1::text IS NULL OR r.channel = $1)
                ORDER BY r.id
                """, [.optionalText(channel)])
            return try rows.map { row in
                let phaseText = try row.decode("phase", as: String.self)
                return ControlledRollout(
                    id: try row.decode("id", as: Int64.self), channel: try row.decode("channel", as: String.self),
                    phase: RolloutPhase(rawValue: phaseText) ?? .progressing, step: try row.decode("step", as: Int?.self),
                    steps: try RolloutJSON.steps(try row.decode("steps", as: String.self)),
                    gates: try RolloutJSON.strings(try row.decode("gates", as: String.self)),
                    candidate: try row.decode("candidate", as: Int64.self),
                    stable: try row.decode("stable", as: Int64?.self),
                    bakeSeconds: try row.decode("bake_seconds", as: Int.self),
                    baked: try row.decode("baked", as: Bool.self))
            }
        }
    }

    /// The `canary` (nodes reporting the candidate) and `stable` (nodes reporting the
    /// stable release) figures of a rollout's channel over the nodes' last window: only
    /// live nodes (not stopped, heartbeat within `liveSeconds`) and reports younger than
    /// `liveSeconds` count. Aggregation: see `RolloutFigures`.
    public func gateFigures(_ rollout: ControlledRollout, liveSeconds: Int = 30)
        async throws -> (canary: RolloutFigures, stable: RolloutFigures) {
        try await run(needs: .reader) {
            let rows = try await connection.query("""
                SELECT m.release, count(*)::bigint AS nodes, sum(m.calls)::bigint AS calls,
                       sum(m.errors)::bigint AS errors,
                       coalesce(sum(m.p50_ms * m.calls) / nullif(sum(m.calls), 0), 0)::float8 AS p50,
                       coalesce(max(m.p99_ms) FILTER (WHERE m.calls > 0), 0)::float8 AS p99
                FROM hotload.node_metrics m JOIN hotload.node_status s ON s.name = m.node
                WHERE s.channel = $1 AND NOT s.stopped AND s.heartbeat_at > now() - make_interval(secs => $4)
                  AND m.reported_at > now() - make_interval(secs => $4) AND m.release IN ($2, $3)
                GROUP BY m.release
                """, [.text(rollout.channel), .int(rollout.candidate), rollout.stable.map { .int($0) } ?? .null,
                      .int(liveSeconds)])
            var canary = RolloutFigures(), stable = RolloutFigures()
            for row in rows {
                let figures = RolloutFigures(calls: try row.decode("calls", as: Int.self),
                                             errors: try row.decode("errors", as: Int.self),
                                             p50Milliseconds: try row.decode("p50", as: Double.self),
                                             p99Milliseconds: try row.decode("p99", as: Double.self),
                                             nodes: try row.decode("nodes", as: Int.self))
                if try row.decode("release", as: Int64.self) == rollout.candidate { canary = figures } else { stable = figures }
            }
            return (canary, stable)
        }
    }

    /// Records a gate verdict of the rollout's current `step` as a `gate` event
    /// (`hotload.rollout_gate`); `detail` is a JSON object (gates, figures). Needs
    /// `hotload_operator`, and `controller` must hold the unexpired lease of the rollout's
    /// channel (`lead`): otherwise the database refuses it with `not_leader`.
    /// - Returns: the failing verdicts since the rollout's last passing one (holds neither
    ///   count nor reset), this one included.
    public func recordGateVerdict(_ rollout: Int64, step: Int, verdict: GateVerdict, detail: String,
                                  controller: UUID) async throws -> Int {
        try await runRollout(needs: .operator, .init(rollout: rollout, action: "record a gate verdict")) {
            let rows = try await connection.query(
                "SELECT hotload.rollout_gate($1::uuid, $2, $3, $4, $5::jsonb) AS streak",
                [.text(controller.uuidString), .int(rollout), .int(step), .text(verdict.rawValue), .text(detail)])
            return try rows.first?.decode("streak", as: Int.self) ?? 0
        }
    }

    /// Records the liveness of controller `instance` (`hotload.controller_heartbeat`).
    /// Needs `hotload_operator`: a login without it gets `permission_denied` naming it.
    public func controllerHeartbeat(instance: UUID, channel: String?, host: String, pid: Int, interval: Duration,
                                    leading: [String], stopped: Bool = false) async throws {
        try await runRollout(needs: .operator, .init(channel: channel, action: "run a controller")) {
            try await connection.execute(
                "SELECT hotload.controller_heartbeat($1::uuid, $2, $3, $4::integer, $5, $6::text[], $7)",
                [.text(instance.uuidString), .optionalText(channel), .text(TerminalText.escaping(host)),
                 .int(Int64(pid)), .double(interval / .seconds(1)), .textArray(leading), .bool(stopped)])
        }
    }

    /// Takes or renews the leadership of `channel`'s rollouts for controller `instance`: a
    /// lease in `hotload.controller_leases`, granted by `hotload.controller_lead` (only
    /// `hotload_operator` may call it) when nobody holds it, when it is `instance`'s, when
    /// its holder's lease expired or when its holder's database session is gone.
    /// - Returns: the time the lease has left (it is `lease` after a grant or renewal), or
    ///   nil while another instance leads.
    public func lead(channel: String, instance: UUID, lease: Duration) async throws -> Duration? {
        try await runRollout(needs: .operator, .init(channel: channel, action: "lead")) {
            let rows = try await connection.query(
                "SELECT hotload.controller_lead($1::uuid, $2, $3) AS seconds",
                [.text(instance.uuidString), .text(channel), .double(lease / .seconds(1))])
            return try rows.first?.decode("seconds", as: Double?.self).map { .milliseconds(Int64($0 * 1000)) }
        }
    }

    /// Ends controller `instance`'s leases (of `channel`; nil: all), so that a standby
    /// takes over at its next tick. Needs `hotload_operator`.
    public func releaseLeadership(instance: UUID, channel: String? = nil) async throws {
        try await runRollout(needs: .operator, .init(channel: channel, action: "release its leadership")) {
            try await connection.execute("SELECT hotload.controller_release($1::uuid, $2)",
                                         [.text(instance.uuidString), .optionalText(channel)])
        }
    }

    /// The rollout's latest gate verdict (a `gate` event), nil before the first.
    public func lastGateVerdict(_ rollout: Int64) async throws -> RolloutEvent? {
        try await run(needs: .reader) {
            let rows = try await connection.query("""
                SELECT id, channel, rollout, action, actor, at, detail::text AS detail FROM hotload.rollout_events
                WHERE rollout = $1 AND action = 'gate' ORDER BY id DESC LIMIT 1
                """, [.int(rollout)])
            return try rows.first.map { row in
                RolloutEvent(id: try row.decode("id", as: Int64.self), channel: try row.decode("channel", as: String.self),
                             rollout: try row.decode("rollout", as: Int64?.self),
                             action: try row.decode("action", as: String.self),
                             actor: try row.decode("actor", as: String.self), at: try row.decode("at", as: Date.self),
                             detail: try row.decode("detail", as: String.self))
            }
        }
    }

    /// Controllers that recorded their liveness within three of their intervals (and did
    /// not stop) and steer `channel` (or every channel), with the channels they lead.
    public func liveControllers(channel: String) async throws -> [ControllerLiveness] {
        try await run(needs: .reader) {
            let rows = try await connection.query("""
                SELECT c.instance::text AS instance, c.db_role, c.channel, c.host, c.pid, c.heartbeat_at,
                       coalesce((SELECT to_json(array_agg(l.channel ORDER BY l.channel))::text
                                 FROM hotload.controller_leases l
                                 WHERE l.instance = c.instance AND l.expires_at > clock_timestamp()), '[]') AS leads
                FROM hotload.controllers c
                WHERE NOT c.stopped AND c.heartbeat_at > now() - make_interval(secs => 3 * c.interval_seconds)
                  AND (c.channel IS NULL OR c.channel = $1)
                ORDER BY c.heartbeat_at DESC
                """, [.text(channel)])
            return try rows.map { row in
                ControllerLiveness(instance: UUID(uuidString: try row.decode("instance", as: String.self)) ?? UUID(),
                                   login: try row.decode("db_role", as: String.self),
                                   channel: try row.decode("channel", as: String?.self),
                                   host: try row.decode("host", as: String.self), pid: try row.decode("pid", as: Int.self),
                                   leading: try RolloutJSON.strings(try row.decode("leads", as: String.self)),
                                   heartbeatAt: try row.decode("heartbeat_at", as: Date.self))
            }
        }
    }
}
