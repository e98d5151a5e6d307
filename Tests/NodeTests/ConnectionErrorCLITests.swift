import Foundation
import Testing

/// What the `hotload` binary prints when it cannot use the connection string: the library
/// layers name the problem and the fix, the CLI adds how to choose the server.
@Suite("CLI connection errors")
struct ConnectionErrorCLITests {
    /// A malformed string, or one with a value libpq refuses, is an error about the string,
    /// not advice to check that PostgreSQL is running.
    @Test(arguments: [
        ("postgresql://127.0.0.1:notaport/db", "notaport"),
        ("host=x port= garbage", "garbage"),
    ])
    func anInvalidStringIsAnErrorAboutTheString(string: String, culprit: String) async throws {
        for command in [["status"], ["log"], ["init"], ["node", "--listen", "127.0.0.1:\(try RawHTTP.freePort())"]] {
            let (status, output) = try await runHotload(command + ["--database", string])
            #expect(status == 1, "\(command) \(string): \(output)")
            #expect(output.contains("invalid connection string: "), "\(command) \(string): \(output)")
            #expect(output.contains(culprit), "\(command) \(string): \(output)")
            #expect(output.contains("correct the connection string"), "\(command) \(string): \(output)")
            #expect(!output.contains("is running"), "\(command) \(string): \(output)")
            #expect(!output.contains("cannot reach"), "\(command) \(string): \(output)")
            #expect(output.contains("The connection string comes from --database, else HOTLOAD_DATABASE_URL."),
                    "\(command) \(string): \(output)")
        }
        let (status, output) = try await runHotload(["status"], environment: ["HOTLOAD_DATABASE_URL": string])
        #expect(status == 1)
        #expect(output.contains("invalid connection string: "), "\(output)")
    }

    /// An unreachable server: where the CLI tried, and how to choose another.
    @Test func anUnreachableServerSaysWhereAndHowToChoose() async throws {
        // A refused connection fails at once; the timeout only bounds a machine too loaded to say so.
        let string = "postgresql://alice@127.0.0.1:1/hot?connect_timeout=10"
        for command in [["status"], ["node", "--listen", "127.0.0.1:\(try RawHTTP.freePort())"]] {
            let (status, output) = try await runHotload(command + ["--database", string])
            #expect(status == 1, "\(command): \(output)")
            #expect(output.contains("check that PostgreSQL is running and accepts connections at alice@127.0.0.1:1/hot"),
                    "\(command): \(output)")
            #expect(output.contains("Choose the server with --database URL, HOTLOAD_DATABASE_URL or PGHOST/PGPORT."),
                    "\(command): \(output)")
            // A node that cannot start never starts its HTTP server (whose teardown while
            // still starting could crash the process instead of reporting the error).
            #expect(!output.contains("Server started and listening"), "\(command): \(output)")
        }
    }

    /// A role without the grant hears which group role the command needs: the store knows
    /// it from the operation (status reads, a node registers).
    @Test func aDeniedCommandNamesTheRoleItNeeds() async throws {
        let fixture = try await NodeFixture.make()
        let role = "no_grant_\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
        try await fixture.store.connection.execute("CREATE ROLE \(role) LOGIN")
        guard let at = fixture.url.range(of: "postgres@") else { throw FixtureError("unexpected test URL") }
        let url = fixture.url.replacingCharacters(in: at, with: "\(role)@")
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("denied-\(role)")
        defer { try? FileManager.default.removeItem(at: cache) }
        for (command, grant) in [(["status"], "GRANT hotload_reader TO"),
                                 (["node", "--listen", "127.0.0.1:\(try RawHTTP.freePort())", "--cache-directory", cache.path], "GRANT hotload_node TO")] {
            let (status, output) = try await runHotload(command + ["--database", url])
            #expect(status == 1, "\(command): \(output)")
            #expect(output.contains(grant), "\(command): \(output)")
        }
        _ = try? await fixture.store.connection.execute("DROP ROLE IF EXISTS \(role)")
        await fixture.close()
    }
}
