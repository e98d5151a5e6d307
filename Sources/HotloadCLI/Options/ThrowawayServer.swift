import PostgresHarness

/// Starts a throwaway private PostgreSQL (`demo`, `bench --propagation` without a
/// database), runs `body` with it and removes it, also when `body` throws. Starting and
/// removing wait for programs, so they run on a thread of their own (`Harness.offload`),
/// never on a cooperative thread.
func withThrowawayServer<T>(_ body: (PrivateServer) async throws -> T) async throws -> T {
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
