import Foundation
@testable import PostgresHarness
import PQ
import Testing

@Suite("PostgresHarness")
struct HarnessTests {
    @Test func sharedServerAnswersAndFreshDatabasesAreDistinct() async throws {
        let shared = try await TestDatabase.sharedAsync()
        #expect(shared.hasPrefix("postgresql://") || shared.contains("host="))
        let first = try await TestDatabase.freshAsync()
        let second = try await TestDatabase.freshAsync()
        #expect(first != second)
        #expect(try await TestDatabase.sharedAsync() == shared)
    }

    /// A server started by `pg_ctl` outlives the command; had it inherited a pipe another
    /// thread holds open (a test reading a child's output), that reader would wait forever.
    @Test func commandsInheritNoDescriptorButTheirOutput() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        let result = try Command.run("/bin/ls", ["/proc/self/fd"])
        let open = Set(result.output.split(whereSeparator: \.isWhitespace).compactMap { Int32($0) })
        #expect(!open.contains(ends[0]) && !open.contains(ends[1]), "inherited: \(open.sorted())")
        #expect(open.isSubset(of: [0, 1, 2, 3]), "inherited: \(open.sorted())")  // 3: ls's own listing
    }

    @Test func missingPostgreSQLSaysHowToInstallIt() {
        let error = #expect(throws: HarnessError.self) {
            try PostgresInstallation.find(in: ["/nonexistent/bin"], askingPgConfig: false)
        }
        #expect(error?.description.contains("apt-get install postgresql") == true)
        #expect(error?.description.contains("/nonexistent/bin") == true)
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

    @Test func namedDirectoryKeepsStateAcrossStartsAndRestarts() async throws {
        let directory = NSTemporaryDirectory() + "hotload-harness-\(UUID().uuidString)"
        let server = try await Harness.offload { () throws(HarnessError) in try PrivateServer.start(directory: directory) }
        #expect(server.isRunning)
        #expect(FileManager.default.fileExists(atPath: server.logFile))
        let again = try await Harness.offload { () throws(HarnessError) in try PrivateServer.start(directory: directory) }
        #expect(again == server)
        #expect(try PrivateServer.existing(directory: directory) == server)
        try await Harness.offload { () throws(HarnessError) in try server.restart() }
        #expect(server.isRunning)
        try await Harness.offload { () throws(HarnessError) in try server.stop() }
        #expect(!server.isRunning)
        try await Harness.offload { () throws(HarnessError) in try server.ensureRunning() }
        #expect(server.isRunning)
        let url = try await Harness.offload { () throws(HarnessError) in try server.createDatabase("harness_check") }
        #expect(url.hasSuffix(":\(server.port)/harness_check"))
        // `dev up` runs this on every start: an existing database is kept, a missing one
        // made, and a name with quotes is quoted both in the check and in the CREATE.
        let kept = try await Harness.offload { () throws(HarnessError) in try server.ensureDatabase("harness_check") }
        #expect(kept == url)
        for _ in 1...2 {
            let made = try await Harness.offload { () throws(HarnessError) in try server.ensureDatabase("it's \"quoted\"") }
            #expect(made == server.url(database: "it's \"quoted\""))
        }
        // The demo's logins: members of their group roles, names quoted, reachable by URL.
        let login = "it's \"odd\""
        try await Harness.offload { () throws(HarnessError) in
            try server.createLogins([(login: login, groups: ["pg_monitor", "pg_read_all_settings"]),
                                     (login: "harness_plain", groups: [])])
        }
        let connection = try await TestServer.connect(server.url(database: "harness_check", user: login))
        let row = try #require(try await connection.query("""
            SELECT session_user AS who, pg_has_role(session_user, 'pg_monitor', 'MEMBER') AS monitor,
                   pg_has_role(session_user, 'pg_read_all_settings', 'MEMBER') AS settings
            """).first)
        #expect(try row.decode("who", as: String.self) == login)
        #expect(try row.decode("monitor", as: Bool.self) && row.decode("settings", as: Bool.self))
        await connection.close()
        // An existing login is an error that shows psql's complaint.
        let duplicate = await #expect(throws: HarnessError.self) {
            try await Harness.offload { () throws(HarnessError) in
                try server.createLogins([(login: "harness_plain", groups: [])])
            }
        }
        #expect(duplicate?.description.contains("harness_plain") == true, "\(duplicate.map { "\($0)" } ?? "")")
        try await Harness.offload { () throws(HarnessError) in try server.remove() }
        #expect(!FileManager.default.fileExists(atPath: directory))
    }
}
