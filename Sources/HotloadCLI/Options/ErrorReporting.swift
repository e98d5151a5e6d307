import ArgumentParser
import Foundation
import HotloadStore

/// Runs a command body; any error is printed to stderr as `error: ...` (the message names
/// the problem and the fix) and the process exits with status 1. Refused pushes print
/// their diagnostics as they are (`file:line:col: error[CODE]: ...`, the line, a caret).
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
    } catch {
        Output.error("error: \(error)")
        throw ExitCode.failure
    }
}
