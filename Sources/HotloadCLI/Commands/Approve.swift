import ArgumentParser
import HotloadStore

/// `hotload approve ROLLOUT`: approve a rollout's current plan (needs hotload_approver).
struct Approve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve", abstract: "Approve a rollout's current plan (not one of your own pushes).")

    @Argument(help: "The rollout id.")
    var rollout: Int64

    @Option(name: [.short, .customLong("message")], help: "A note.")
    var message: String = ""

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await reportingErrors {
            let phase = try await connection.withStore { try await $0.approveRollout(rollout, message: message) }
            Output.line("rollout \(rollout) approved by you; it is \(phase.rawValue)")
        }
    }
}

/// `hotload reject ROLLOUT -m MSG`: one rejection ends a rollout (needs hotload_approver).
struct Reject: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reject", abstract: "Reject a rollout: it ends (one rejection suffices).")

    @Argument(help: "The rollout id.")
    var rollout: Int64

    @Option(name: [.short, .customLong("message")], help: "Why (required).")
    var message: String

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await reportingErrors {
            try await connection.withStore { try await $0.rejectRollout(rollout, message: message) }
            Output.line("rollout \(rollout) rejected")
        }
    }
}
