import ArgumentParser
import Foundation

/// Runs a command body; any error is printed to stderr as `error: ...` (the message names
/// the problem and the fix) and the process exits with status 1.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        Output.error("error: \(error)")
        throw ExitCode.failure
    }
}
