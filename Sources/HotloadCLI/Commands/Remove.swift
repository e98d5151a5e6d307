import ArgumentParser
import HotloadStore

/// `hotload rm MODULE...`: deletes modules as one release.
struct Remove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Delete modules from a channel as one release (refused while something imports them).")

    @Argument(help: "The modules to delete.")
    var modules: [String]

    @OptionGroup var options: ReleaseOptionGroup
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await reportingErrors {
            let releaseOptions = try options.releaseOptions()
            let result = try await connection.withStore { store in
                try await store.remove(modules, options: releaseOptions)
            }
            PushReport.print(result)
        }
    }
}
