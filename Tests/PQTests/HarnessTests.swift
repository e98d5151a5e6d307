import Foundation
import PostgresHarness
import Testing

@Suite("PostgresHarness")
struct HarnessTests {
    @Test func sharedServerAnswersAndFreshDatabasesAreDistinct() throws {
        let shared = try TestDatabase.shared()
        #expect(shared.hasPrefix("postgresql://") || shared.contains("host="))
        let first = try TestDatabase.fresh()
        let second = try TestDatabase.fresh()
        #expect(first != second)
        #expect(try TestDatabase.shared() == shared)
    }

    @Test func databaseNameReplacement() {
        #expect(
            ConnectionString.replacingDatabase(in: "postgresql://u:p@h:5/old?sslmode=disable", with: "new")
                == "postgresql://u:p@h:5/new?sslmode=disable")
        #expect(
            ConnectionString.replacingDatabase(in: "postgres://h", with: "a b")
                == "postgres://h/a%20b")
        #expect(
            ConnectionString.replacingDatabase(in: "host=/tmp port=5", with: "x")
                == "host=/tmp port=5 dbname='x'")
    }

    @Test func namedDirectoryKeepsStateAcrossStartsAndRestarts() throws {
        let directory = NSTemporaryDirectory() + "hotload-harness-\(UUID().uuidString)"
        let server = try PrivateServer.start(directory: directory)
        defer { try? server.remove() }
        #expect(server.isRunning)
        let again = try PrivateServer.start(directory: directory)
        #expect(again == server)
        let found = try PrivateServer.existing(directory: directory)
        #expect(found == server)
        try server.restart()
        #expect(server.isRunning)
        try server.stop()
        #expect(!server.isRunning)
        try server.ensureRunning()
        #expect(server.isRunning)
        _ = try server.createDatabase("harness_check")
    }
}
