import ArgumentParser
import Foundation
import HotloadNode
import HotloadSidecar
import HotloadStore
import PQ

/// Runs a command body; any error is printed to stderr as `error: ...` (the message names
/// the problem and the fix) and the process exits with status 1. Refused pushes print
/// their diagnostics as they are (`file:line:col: error[CODE]: ...`, the line, a caret).
/// Database errors get the store's advice (`DatabaseAdvice`) plus, when the server or the
/// string may be the problem, how to choose the server on the command line.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let exit as ExitCode {
        throw exit
    } catch let validation as ValidationError {
        Output.error("error: \(validation.message)")
        throw ExitCode.validationFailure
    } catch let error as StoreError {
        Output.error(render(error))
        throw ExitCode.failure
    } catch let error as SigningError {
        let fix = error.code == .keyFilePermissions ? "\nFix: chmod 600 \(error.path ?? "FILE")" : ""
        Output.error("error: \(error.message)\(fix)")
        throw ExitCode.failure
    } catch let error as PQError {
        Output.error("error: \(DatabaseAdvice.describe(error))" + (serverHint(error.kind).map { "\n\($0)" } ?? ""))
        throw ExitCode.failure
    } catch let error as NodeConfigurationError {
        Output.error("error: \(error)" + (nodeFlags[error.setting].map { " (\($0))" } ?? ""))
        throw ExitCode.failure
    } catch let error as SidecarConfigurationError {
        Output.error("error: \(error)" + (error.path == nil ? "" : " (--token-file)"))
        throw ExitCode.failure
    } catch let error as NodeStartError {
        Output.error("error: \(error)" + (hint(for: error).map { "\n\($0)" } ?? ""))
        throw ExitCode.failure
    } catch {
        Output.error("error: \(error)")
        throw ExitCode.failure
    }
}

/// A store error as the CLI prints it: `error: ` and the message (a refused push prints its
/// diagnostics as they are), then the command or flag that helps, from the error's code
/// and context.
func render(_ error: StoreError) -> String {
    let text = error.code == .checkFailed ? error.message : "error: \(error.message)"
    return text + (hint(for: error).map { "; \($0)" } ?? "")
}

/// The command or flag that helps with a store error; nil when the message says all there
/// is to do.
private func hint(for error: StoreError) -> String? {
    let channel = error.channel ?? "CHANNEL"
    switch error.code {
    case .schemaMissing:
        return "run `hotload init` first"
    case .checkFailed:
        return "fix the errors, or use --skip-check in an emergency"
    case .headMoved:
        return "review `hotload log --channel \(channel)` and push again with --expect \(error.actualHead ?? 0)"
    case .unknownModule:
        return "see `hotload modules --channel \(channel)`"
    case .unknownVersion:
        return "see `hotload log \(error.module ?? "MODULE")`"
    case .unknownRelease:
        return "see `hotload log`"
    case .releaseOnOtherChannel:
        return "pass --channel \(channel)"
    case .emptyChannel:
        return "run `hotload push DIR --channel \(channel)`"
    case .invalidAuthor:
        return "set it with --author"
    case .invalidMessage:
        return "set it with -m"
    case .notAdministrator:
        return "then run `hotload init` again"
    case .rolloutActive:
        return "see `hotload rollout status --channel \(channel)`, or push again with --supersede to abort it"
    default:
        return nil
    }
}

/// The command-line hint for a node that cannot start, on a line of its own: a store
/// error's hint when the server answered (a missing schema), else where the server or the
/// connection string comes from.
private func hint(for error: NodeStartError) -> String? {
    switch error.code {
    case .database:
        guard let cause = error.cause as? StoreError else { return chooseServerHint }
        return hint(for: cause).map { $0.prefix(1).uppercased() + $0.dropFirst() + "." }
    case .connectionString:
        return stringSourceHint
    case .nameTaken:
        return "The node name is set with --name."
    case .trustFile:
        return "The trust file is given with --trust; `hotload key trust KEYFILE...` writes one."
    case .configuration:
        return error.configurationError.flatMap { nodeFlags[$0.setting] }.map { "Set it with \($0)." }
    default:
        return nil
    }
}

/// The `hotload node` flag that sets each `NodeConfiguration` property it exposes.
private let nodeFlags = [
    "channel": "--channel", "name": "--name", "pollInterval": "--poll-interval", "backoffCap": "--backoff-cap",
    "minSyncInterval": "--min-sync-interval",
]

/// Where the CLI takes the server from (`ConnectionOptions`).
let chooseServerHint = "Choose the server with --database URL, HOTLOAD_DATABASE_URL or PGHOST/PGPORT."
/// Where the CLI takes the connection string from (`ConnectionOptions`).
let stringSourceHint = "The connection string comes from --database, else HOTLOAD_DATABASE_URL."

/// The command-line hint for a database error of `kind`: where the server or the string
/// comes from, when either may be the problem.
private func serverHint(_ kind: PQError.Kind) -> String? {
    switch kind {
    case .connection, .authentication, .timeout: return chooseServerHint
    case .invalidConnectionString: return stringSourceHint
    default: return nil
    }
}
