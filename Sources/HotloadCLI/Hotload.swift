import ArgumentParser
import Foundation

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

    /// Parses and runs as swift-argument-parser's own `main()` does, with `hotload node`'s
    /// unset options filled from `HOTLOAD_NODE_*` first (`EnvironmentDefaults`); a failed run
    /// that used such values names their variables after its error.
    static func main() async {
        let filled: EnvironmentDefaults
        do {
            filled = try EnvironmentDefaults(arguments: Array(CommandLine.arguments.dropFirst()),
                                             environment: ProcessInfo.processInfo.environment)
        } catch {
            Output.error("error: \((error as? ValidationError)?.message ?? "\(error)")")
            exit(withError: ExitCode.validationFailure)
        }
        do {
            var command = try parseAsRoot(filled.arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let status = exitCode(for: error)
            guard status != .success, let note = filled.note else { exit(withError: error) }
            // An ExitCode's error was printed by `reportingErrors`; any other is printed here.
            if !(error is ExitCode) { Output.error(fullMessage(for: error)) }
            Output.error(note)
            exit(withError: status)
        }
    }
}
