import ArgumentParser
import HotloadStore

/// `hotload diff MODULE [FROM [TO]]` and `hotload diff --release A B`.
struct Diff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Unified diff between two versions of a module or two releases.",
        discussion: """
        MODULE alone: its last change on the channel. MODULE FROM: version FROM against the \
        head. MODULE FROM TO: two versions. --release A B: every module that differs. \
        Coloured when stdout is a terminal (NO_COLOR disables it).
        """)

    @Argument(help: "MODULE [FROM [TO]] (versions as 3 or v3).")
    var arguments: [String] = []

    @Option(name: .long, parsing: .upToNextOption, help: "Two releases to compare: --release A B.")
    var release: [Int64] = []

    @Option(help: "The channel.")
    var channel: String = "main"

    @Option(name: [.customShort("U"), .long], help: "Lines of context.")
    var context: Int = 3

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if !release.isEmpty {
            guard release.count == 2, arguments.isEmpty else {
                throw ValidationError("use `hotload diff --release A B` with exactly two releases and no module")
            }
        } else if arguments.isEmpty || arguments.count > 3 {
            throw ValidationError("use `hotload diff MODULE [FROM [TO]]` or `hotload diff --release A B`")
        }
        guard (0...1_000).contains(context) else { throw ValidationError("--context must be 0...1000") }
    }

    func run() async throws {
        try await reportingErrors {
            let diffs: [FileDiff] = try await connection.withStore { store in
                if release.count == 2 {
                    return try await store.diff(release: release[0], release[1], context: context)
                }
                let from = try arguments.count > 1 ? ModuleReference.version(arguments[1]) : nil
                let to = try arguments.count > 2 ? ModuleReference.version(arguments[2]) : nil
                return [try await store.diff(module: arguments[0], from: from, to: to, channel: channel,
                                             context: context)]
            }
            let color = Output.stdoutIsTerminal
            for diff in diffs where !diff.isEmpty { Output.raw(diff.render(color: color)) }
        }
    }
}
