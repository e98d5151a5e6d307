import ArgumentParser
import HotloadStore

/// `hotload channel set|list|show|clear`: channel rollout policy (setting it needs hotload_admin).
struct ChannelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "channel",
        abstract: "Set and show channel rollout policies (approvals, steps, bake time, gates).",
        subcommands: [Set.self, List.self, Show.self, Clear.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Set a channel's rollout policy: pushes to it become staged rollouts.",
            discussion: """
            Options not given keep the channel's current policy, or for a new policy: \
            0 approvals, steps 1,10%,50%,100%, bake 5m, no gates.
            """)

        @Argument(help: "The channel.")
        var channel: String

        @Option(help: "Distinct approvers each rollout needs (0 to 10).")
        var approvals: Int?

        @Option(help: "Steps: node counts and percentages, e.g. \"1,10%,50%,100%\".")
        var steps: String?

        @Option(help: "How long each step bakes before the next, e.g. 5m.")
        var bake: String?

        @Option(name: .customLong("gate"), help: "A CEL health gate over canary and stable (repeatable; replaces the gates).")
        var gates: [String] = []

        @Flag(help: "Remove every gate.")
        var noGates = false

        @Option(help: "A fixed salt for every rollout of the channel (a fixed canary fleet).")
        var salt: String?

        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingErrors {
                if noGates, !gates.isEmpty { throw ValidationError("give --gate or --no-gates, not both") }
                let steps = try self.steps.map { try RolloutStep.parse(list: $0) }
                let bake = try self.bake.map { try RolloutOptions.seconds($0, option: "--bake") }
                try RolloutOptions.checkGates(gates)
                let policy = try await connection.withStore { store in
                    let current = try await store.channelPolicy(channel: channel)
                    try await store.setChannelPolicy(
                        channel: channel, requiredApprovals: approvals ?? current?.requiredApprovals ?? 0,
                        steps: steps ?? current?.steps ?? [.nodes(1), .percent(hundredths: 1000),
                                                           .percent(hundredths: 5000), .percent(hundredths: 10_000)],
                        bakeSeconds: bake ?? current?.bakeSeconds ?? 300,
                        gates: noGates ? [] : gates.isEmpty ? current?.gates ?? [] : gates,
                        salt: salt ?? current?.salt)
                    return try await store.channelPolicy(channel: channel)
                }
                if let policy { RolloutReport.print(policy) }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the channels' rollout policies.")

        @OptionGroup var output: JSONOutputOption
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingErrors {
                let policies = try await connection.withStore { try await $0.channelPolicies() }
                if output.json {
                    try Output.json(policies.map(RolloutReport.PolicyJSON.init))
                } else if policies.isEmpty {
                    Output.line("no channel has a rollout policy: every push reaches all nodes at once")
                } else {
                    policies.forEach(RolloutReport.print)
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a channel's rollout policy.")

        @Argument(help: "The channel.")
        var channel: String

        @OptionGroup var output: JSONOutputOption
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingErrors {
                let policy = try await connection.withStore { try await $0.channelPolicy(channel: channel) }
                if output.json {
                    try Output.json(policy.map(RolloutReport.PolicyJSON.init))
                } else if let policy {
                    RolloutReport.print(policy)
                } else {
                    Output.line("channel \(Output.safe(channel)) has no rollout policy: every push reaches all nodes at once")
                }
            }
        }
    }

    struct Clear: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "clear", abstract: "Remove a channel's rollout policy: pushes reach all nodes at once again.")

        @Argument(help: "The channel.")
        var channel: String

        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await reportingErrors {
                try await connection.withStore { try await $0.clearChannelPolicy(channel: channel) }
                Output.line("channel \(Output.safe(channel)) has no rollout policy")
            }
        }
    }
}
