import Foundation
import Testing

/// Rollout options that can be checked without a database (gates, steps, a pin's TTL) are
/// refused before connecting: an unreachable server must not hide a gate that does not compile.
@Suite struct RolloutOfflineCLITests {
    static let unreachable = ["HOTLOAD_DATABASE_URL": "host=127.0.0.1 port=1 dbname=x connect_timeout=2"]

    @Test(arguments: [
        ["channel", "set", "main", "--gate", "canary.calls <"],
        ["rollout", "start", "--release", "3", "--gate", "canary.p99_ms"],
        ["channel", "set", "main", "--steps", "abc"],
        ["pin", "n1", "--release", "1", "--ttl", "99d"],
    ])
    func refusedBeforeConnecting(arguments: [String]) async throws {
        let (status, output) = try await runHotload(arguments, environment: Self.unreachable)
        #expect(status == 1, "\(output)")
        #expect(!output.contains("cannot connect"), "\(output)")
        #expect(["does not compile", "invalid rollout steps", "a pin lasts 1 second to 30 days"]
                    .contains { output.contains($0) }, "\(output)")
    }
}
