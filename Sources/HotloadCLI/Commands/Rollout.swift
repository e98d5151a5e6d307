import ArgumentParser
import HotloadStore

/// `hotload rollout start|status|log|next|pause|resume|promote|abort`: staged rollouts.
struct RolloutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "Start, inspect and steer staged rollouts (gray release).",
        subcommands: [Start.self, StatusCommand.self, LogCommand.self, Next.self, Pause.self, Resume.self,
                      Promote.self, Abort.self])

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "start",
            abstract: "Roll out an existing release of the channel (also an older one: a staged rollback).")

        @Option(help: "The release to roll out.")
        var release: Int64

        @Option(help: "The channel.")
        var channel: String = "main"

        @Option(help: "Steps, e.g. \"1,10%,100%\" (default: the channel policy's).")
        var steps: String?

        @Option(help: "Bake time per step, e.g. 5m (default: the channel policy's).")
        var bake: String?

        @Option(name: .customLong("gate"), help: "A CEL health gate (repeatable; default: the channel policy's).")
        var gates: [String] = []

        @Option(help: "A fixed salt (default: the policy's, else the rollout id).")
        var salt: String?

        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingErrors {
                let plan = try RolloutOptions.plan(steps: steps, bake: bake, gates: gates)
                let status = try await connection.withStore { store in
                    let id = try await store.startRollout(channel: channel, release: release, plan: plan, salt: salt)
                    return try await store.rolloutStatus(id)
                }
                RolloutReport.print(status)
            }
        }
    }

    struct StatusCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Show a rollout (default: the channel's active one, else its latest) and its nodes.")

        @Argument(help: "The rollout id.")
        var rollout: Int64?

        @Option(help: "The channel.")
        var channel: String = "main"

        @Option(help: "Seconds without heartbeat after which a node is not live.")
        var liveSeconds: Int = 30

        @OptionGroup var output: JSONOutputOption
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingErrors {
                guard (1...86_400).contains(liveSeconds) else { throw ValidationError("--live-seconds must be 1 to 86400") }
                let (status, health): (RolloutStatus?, RolloutReport.Health) = try await connection.withStore { store in
                    let status = if let rollout { try await store.rolloutStatus(rollout, liveSeconds: liveSeconds) } else {
                        try await store.rolloutStatus(channel: channel, liveSeconds: liveSeconds)
                    }
                    guard let status else { return (nil, RolloutReport.Health(controllers: [], lastGate: nil)) }
                    return (status, RolloutReport.Health(controllers: try await store.liveControllers(channel: status.channel),
                                                         lastGate: try await store.lastGateVerdict(status.id)))
                }
                if output.json {
                    try Output.json(status.map { RolloutReport.StatusJSON($0, health: health) })
                } else if let status {
                    RolloutReport.print(status)
                    RolloutReport.print(health, for: status)
                } else {
                    Output.line("channel \(Output.safe(channel)) has had no rollout")
                }
            }
        }
    }

    struct LogCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "log", abstract: "Show recorded rollout actions and policy changes, oldest first.")

        @Argument(help: "Only this rollout's actions.")
        var rollout: Int64?

        @Option(help: "The channel.")
        var channel: String = "main"

        @Option(name: .short, help: "How many of the newest actions to show.")
        var n: Int = 100

        @OptionGroup var output: JSONOutputOption
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingErrors {
                let events = try await connection.withStore { store in
                    try await store.rolloutLog(channel: channel, rollout: rollout, limit: n)
                }
                if output.json {
                    try Output.json(events.map(RolloutReport.EventJSON.init))
                } else {
                    events.forEach(RolloutReport.print)
                }
            }
        }
    }

    struct Next: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "next", abstract: "Enter the rollout's next step.")

        @OptionGroup var target: RolloutTarget
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingErrors {
                let status = try await target.act(connection) { store, id in
                    try await store.nextStep(id)
                    return try await store.rolloutStatus(id)
                }
                RolloutReport.print(status)
            }
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "pause", abstract: "Hold the rollout at its step.")

        @OptionGroup var target: RolloutTarget
        @Option(name: [.short, .customLong("message")], help: "Why.")
        var message: String?
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingErrors {
                let id = try await target.act(connection) { store, id in
                    try await store.pauseRollout(id, reason: message)
                    return id
                }
                Output.line("rollout \(id) paused")
            }
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume a paused rollout.")

        @OptionGroup var target: RolloutTarget
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingErrors {
                let id = try await target.act(connection) { store, id in
                    try await store.resumeRollout(id)
                    return id
                }
                Output.line("rollout \(id) progressing")
            }
        }
    }

    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "promote", abstract: "Make the candidate the channel's stable release on every node.")

        @OptionGroup var target: RolloutTarget
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingErrors {
                let status = try await target.act(connection) { store, id in
                    try await store.promoteRollout(id)
                    return try await store.rolloutStatus(id)
                }
                Output.line("rollout \(status.id) promoted: release \(status.candidate) is stable on channel \(Output.safe(status.channel))")
            }
        }
    }

    struct Abort: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "abort", abstract: "Abort the rollout: every node back on stable; final, never retried.")

        @OptionGroup var target: RolloutTarget
        @Option(name: [.short, .customLong("message")], help: "Why (required).")
        var message: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingErrors {
                let id = try await target.act(connection) { store, id in
                    try await store.abortRollout(id, reason: message)
                    return id
                }
                Output.line("rollout \(id) aborted")
            }
        }
    }
}
