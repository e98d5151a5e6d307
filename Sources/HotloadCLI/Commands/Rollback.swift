import ArgumentParser
import HotloadStore

/// `hotload rollback MODULE --to VERSION` and `hotload rollback --release N`.
struct Rollback: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Create a new release restoring a module's version or a whole release.",
        discussion: "History is never rewritten: the rollback is a new release and the past stays in the log.")

    @Argument(help: "The module to roll back (with --to).")
    var module: String?

    @Option(help: "The version to restore the module to (3 or v3).")
    var to: String?

    @Option(help: "Restore the channel's whole module set as of this release.")
    var release: Int64?

    @OptionGroup var options: ReleaseOptionGroup
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        switch (module, to, release) {
        case (.some, .some, nil), (nil, nil, .some): break
        default: throw ValidationError("use `hotload rollback MODULE --to VERSION` or `hotload rollback --release N`")
        }
    }

    func run() async throws {
        try await reportingErrors {
            let releaseOptions = try options.releaseOptions()
            let version = try to.map(ModuleReference.version)
            let result: PushResult = try await connection.withStore { store in
                if let module, let version {
                    return try await store.rollback(module: module, to: version, options: releaseOptions)
                }
                if let release {
                    return try await store.rollback(release: release, options: releaseOptions)
                }
                throw ValidationError("nothing to roll back")
            }
            PushReport.print(result)
        }
    }
}
