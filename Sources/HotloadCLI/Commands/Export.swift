import ArgumentParser
import HotloadStore

/// `hotload export DIR`: a release as files plus manifest.json.
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a release's modules to DIR as .hl files plus manifest.json (for review in git).")

    @Argument(help: "The directory to write.")
    var directory: String

    @Option(help: "The release to export (default: the head of the channel).")
    var release: Int64?

    @Option(help: "The channel.")
    var channel: String = "main"

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await reportingErrors {
            let result = try await connection.withStore { store in
                try await store.export(to: directory, release: release, channel: channel)
            }
            let count = result.manifest.modules.count
            Output.line("exported release \(result.manifest.release) of \(result.manifest.channel): "
                        + "\(count) module\(count == 1 ? "" : "s") to \(directory)")
            for path in result.removed { Output.line("  removed \(path)") }
        }
    }
}
