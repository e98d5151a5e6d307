import ArgumentParser
import HotloadModules
import HotloadStore

/// `hotload push PATH...`: checks and commits changed modules as one release.
struct Push: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Check the changed modules and push them as one release.",
        discussion: """
        A directory pushes every .hl file below it, named by its path relative to that \
        directory or to --root (rules/billing/pricing.hl → billing/pricing). A single file \
        is named relative to --root (default: the current directory). Files are read as \
        `hotload check` reads them: the same module set from the same paths. Every changed \
        module and every module importing one is compiled against the would-be state of the channel; any \
        error refuses the whole push and nothing is written. Unchanged modules are skipped.

        With --sign KEYFILE (or HOTLOAD_SIGNING_KEY), each key signs the release's manifest \
        (channel, release, parent, every module with version and SHA-256, author, message) in \
        the transaction that creates it; key files are checked before connecting. Nodes with \
        a trust file apply only releases signed by enough trusted keys; `hotload verify` \
        checks stored history.
        """)

    @Argument(help: "Directories (or .hl files) to push.")
    var paths: [String]

    @Option(help: "The directory module names are relative to (default: each directory given, or the current directory for files).")
    var root: String?

    @Flag(help: "Also delete the channel's modules that are missing under the given directories.")
    var prune = false

    @OptionGroup var release: ReleaseOptionGroup
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await reportingErrors {
            let loaded = try ModuleFiles.loadTree(paths, root: root)
            guard !loaded.sources.isEmpty else {
                throw StoreError.invalidRequest(
                    "no .hl files under \(paths.joined(separator: ", ")); nothing to push (use `hotload rm` to delete modules)")
            }
            if prune, !loaded.onlyDirectories {
                throw ValidationError("--prune needs directories, not single files (it deletes what they lack)")
            }
            let options = try release.releaseOptions()
            let result = try await connection.withStore { store in
                try await store.push(
                    PushRequest(modules: loaded.sources.map(ModuleFile.init), prune: prune, options: options))
            }
            PushReport.print(result)
        }
    }
}
