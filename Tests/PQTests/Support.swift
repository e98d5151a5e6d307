import Foundation
import PQ
import PostgresHarness

/// Connections to a fresh database on the test server (never skipped: a server that cannot
/// start fails the test with the reason).
enum TestServer {
    /// The URL of a new, empty database (made off the cooperative thread pool).
    static func freshDatabase() async throws -> String {
        try await TestDatabase.freshAsync()
    }

    static func connect(_ url: String, timeout: Duration = .seconds(10)) async throws -> Connection {
        var configuration = ConnectionConfiguration(url)
        configuration.connectTimeout = timeout
        configuration.applicationName = "hotload-pq-tests"
        return try await Connection.connect(configuration)
    }
}

struct ExpectedFailure: Error {}
