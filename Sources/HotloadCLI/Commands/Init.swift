import ArgumentParser
import HotloadStore

/// `hotload init`: creates or upgrades the `hotload` schema.
struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create or upgrade the hotload schema (applies pending migrations; safe to rerun).",
        discussion: """
        Each migration runs once, in its own transaction, serialised by an advisory lock, \
        so concurrent inits are safe. Run it as a superuser or as a member of \
        hotload_owner, the NOLOGIN role that owns the schema (no login owns it, so none \
        can disable its triggers); it says so when the connected role is neither. \
        Creates the NOLOGIN group roles hotload_owner, hotload_pusher, hotload_node and \
        hotload_reader when missing (that needs CREATEROLE); grant the last three to login roles.
        """)

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await reportingErrors {
            let applied = try await connection.withStore { store in try await store.migrate() }
            if applied.isEmpty {
                Output.line("schema hotload is up to date (\(Migrations.all.count) migrations)")
            } else {
                for name in applied { Output.line("applied \(name)") }
                Output.line("schema hotload is ready")
            }
        }
    }
}
