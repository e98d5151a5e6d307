import Foundation

/// Runs the harness's blocking work (it starts programs and waits for them) on a thread of its
/// own, so async tests do not tie up Swift concurrency's few cooperative threads.
///
/// Not on a Dispatch queue: Swift concurrency and Dispatch sources share libdispatch's worker
/// threads on Linux, and workers blocked in `waitpid` delay everyone's timers and socket events.
///
/// A blocked cooperative thread stalls every other task, which makes unrelated timeouts fire:
/// from async code prefer `TestDatabase.freshAsync()` and `Harness.offload { try server.restart() }`.
package enum Harness {
    /// Runs `work` on a new thread and returns its result.
    package static func offload<T: Sendable>(
        _ work: @escaping @Sendable () throws(HarnessError) -> T
    ) async throws(HarnessError) -> T {
        let result: Result<T, HarnessError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                do throws(HarnessError) {
                    continuation.resume(returning: .success(try work()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            thread.name = "PostgresHarness"
            thread.start()
        }
        return try result.get()
    }
}

extension TestDatabase {
    /// `shared()` without blocking a cooperative thread.
    package static func sharedAsync() async throws(HarnessError) -> String {
        try await Harness.offload { () throws(HarnessError) -> String in try shared() }
    }

    /// `fresh()` without blocking a cooperative thread.
    package static func freshAsync() async throws(HarnessError) -> String {
        try await Harness.offload { () throws(HarnessError) -> String in try fresh() }
    }
}
