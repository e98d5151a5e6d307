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

/// Starts a private server of its own (for a test that stops or restarts it, `hotload
/// demo`, `bench --propagation` without a database), runs `body` with it and removes it,
/// also when `body` throws. Starting and removing run on a thread of their own
/// (`Harness.offload`), never on a cooperative thread (a `defer { try? server.remove() }`
/// in async code would wait for `pg_ctl` there).
package func withThrowawayServer<T>(_ body: (PrivateServer) async throws -> T) async throws -> T {
    let server = try await Harness.offload { () throws(HarnessError) -> PrivateServer in try PrivateServer.start() }
    let result: T
    do {
        result = try await body(server)
    } catch {
        try? await Harness.offload { () throws(HarnessError) in try server.remove() }
        throw error
    }
    try? await Harness.offload { () throws(HarnessError) in try server.remove() }
    return result
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
