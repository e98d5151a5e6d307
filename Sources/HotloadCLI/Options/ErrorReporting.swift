import ArgumentParser
import Foundation
import HotloadNode
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
        if case .checkFailed = error {
            Output.error("\(error)")
        } else {
            Output.error("error: \(error)")
        }
        throw ExitCode.failure
    } catch let error as PQError {
        Output.error("error: \(DatabaseAdvice.describe(error))" + (serverHint(error.kind).map { "\n\($0)" } ?? ""))
        throw ExitCode.failure
    } catch let error as NodeStartError {
        switch error {
        case .database: Output.error("error: \(error)\n\(chooseServerHint)")
        case .connectionString: Output.error("error: \(error)\n\(stringSourceHint)")
        case .configuration, .nameTaken: Output.error("error: \(error)")
        }
        throw ExitCode.failure
    } catch {
        Output.error("error: \(error)")
        throw ExitCode.failure
    }
}

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
    case .query, .decoding, .closed, .cancelled: return nil
    }
}
