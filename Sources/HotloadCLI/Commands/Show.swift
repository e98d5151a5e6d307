import ArgumentParser
import HotloadStore

/// `hotload show MODULE[@VERSION]`: the exact source bytes.
struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Print a module's exact source (at the head, a version or a release).")

    @Argument(help: "MODULE or MODULE@VERSION.")
    var module: String

    @Option(help: "The module as of this release.")
    var release: Int64?

    @Option(help: "The channel (when neither a version nor a release is given).")
    var channel: String = "main"

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await reportingErrors {
            let (name, version) = try ModuleReference.parse(module)
            if version != nil, release != nil {
                throw ValidationError("give either MODULE@VERSION or --release, not both")
            }
            let revision = try await connection.withStore { store in
                try await store.show(module: name, version: version, release: release, channel: channel)
            }
            Output.raw(revision.source)
        }
    }
}
