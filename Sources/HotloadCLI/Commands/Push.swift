import ArgumentParser
import HotloadStore

/// `hotload push PATH...`: checks and commits changed modules as one release.
struct Push: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Check the changed modules and push them as one release.",
        discussion: """
        A directory pushes every .hl file below it, named by its path relative to that \
        directory (rules/billing/pricing.hl → billing/pricing). A single file is named \
        relative to --root (default: the current directory). Every changed module and every \
        module importing one is compiled against the would-be state of the channel; any \
        error refuses the whole push and nothing is written. Unchanged modules are skipped.
        """)

    @Argument(help: "Directories (or .hl files) to push.")
    var paths: [String]

    @Option(help: "Root that single files are named relative to (default: the current directory).")
    var root: String?

    @Flag(help: "Also delete the channel's modules that are missing under the given directories.")
    var prune = false

    @OptionGroup var release: ReleaseOptionGroup
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await reportingErrors {
            let collected = try ModuleCollector.collect(paths: paths, root: root)
            guard !collected.modules.isEmpty else {
                throw StoreError.invalidRequest(
                    "no .hl files under \(paths.joined(separator: ", ")); nothing to push (use `hotload rm` to delete modules)")
            }
            if prune, !collected.onlyDirectories {
                throw ValidationError("--prune needs directories, not single files (it deletes what they lack)")
            }
            let result = try await connection.withStore { store in
                try await store.push(
                    PushRequest(modules: collected.modules, prune: prune, options: try release.releaseOptions()))
            }
            PushReport.print(result)
        }
    }
}
