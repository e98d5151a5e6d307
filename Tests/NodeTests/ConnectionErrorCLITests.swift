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
        for command in [["status"], ["log"], ["init"], ["node", "--listen", "127.0.0.1:1"]] {
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
        let string = "postgresql://alice@127.0.0.1:1/hot?connect_timeout=2"
        for command in [["status"], ["node", "--listen", "127.0.0.1:1"]] {
            let (status, output) = try await runHotload(command + ["--database", string])
            #expect(status == 1, "\(command): \(output)")
            #expect(output.contains("check that PostgreSQL is running and accepts connections at alice@127.0.0.1:1/hot"),
                    "\(command): \(output)")
            #expect(output.contains("Choose the server with --database URL, HOTLOAD_DATABASE_URL or PGHOST/PGPORT."),
                    "\(command): \(output)")
        }
    }
}
