import ArgumentParser

/// The `hotload` command line: push script modules to PostgreSQL, inspect their history,
/// run nodes that follow the database, and work with the expression language offline.
@main
struct Hotload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hotload",
        abstract: "Script code in PostgreSQL: push, inspect, roll back and serve CEL modules.",
        discussion: """
        Commands that read the database take --database URL, else HOTLOAD_DATABASE_URL,
        else libpq's own defaults (PGHOST, PGPORT, PGDATABASE, PGUSER, ...).
        """,
        subcommands: [
            Init.self, Push.self, Log.self, Show.self, Diff.self, Rollback.self, Remove.self,
            Modules.self, Export.self, Status.self, NodeCommand.self, Dev.self, Demo.self,
            ChannelCommand.self, RolloutCommand.self, Controller.self, Approve.self, Reject.self, Pin.self, Unpin.self,
            KeyCommand.self, Verify.self, Eval.self, Check.self, Bench.self,
        ]
    )
}
