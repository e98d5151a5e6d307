import ArgumentParser
import HotloadStore

/// `hotload pin NODE --release R [--ttl 2h]`: run a node on its channel's stable or
/// candidate release whatever its bucket, until the pin expires (needs hotload_operator).
struct Pin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pin", abstract: "Pin a node to its channel's stable or candidate release for a while.")

    @Argument(help: "The node name.")
    var node: String

    @Option(help: "The release: the channel's stable one, or the candidate of its approved rollout.")
    var release: Int64

    @Option(help: "How long the pin lasts, e.g. 2h (at most 30d).")
    var ttl: String = "2h"

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await reportingErrors {
            let seconds = try RolloutOptions.seconds(ttl, option: "--ttl")
            try Store.validate(pinSeconds: seconds)
            let until = try await connection.withStore { try await $0.pin(node: node, release: release, ttlSeconds: seconds) }
            Output.line("node \(Output.safe(node)) pinned to release \(release) until \(Output.timestamp(until))")
        }
    }
}

/// `hotload unpin NODE`.
struct Unpin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unpin", abstract: "Remove a node's pin.")

    @Argument(help: "The node name.")
    var node: String

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await reportingErrors {
            let removed = try await connection.withStore { try await $0.unpin(node: node) }
            Output.line(removed ? "node \(Output.safe(node)) unpinned" : "node \(Output.safe(node)) had no pin")
        }
    }
}
