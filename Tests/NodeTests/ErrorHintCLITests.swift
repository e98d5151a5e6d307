import Foundation
import PostgresHarness
import Testing

/// The libraries' messages say what is wrong; the `hotload` binary adds the command or flag
/// that helps, from the error's code and context (`ErrorReporting.swift`).
@Suite("CLI hints for library errors")
struct ErrorHintCLITests {
    /// A database without the schema: the store says the migrations are missing, the CLI
    /// says to run `hotload init`.
    @Test func aMissingSchemaSaysRunInit() async throws {
        let url = try await TestDatabase.freshAsync()
        let (status, output) = try await runHotload(["log", "--database", url])
        #expect(status == 1, "\(output)")
        #expect(output.contains("error: the hotload schema is missing"), "\(output)")
        #expect(output.contains("its migrations have not been applied; run `hotload init` first"), "\(output)")
    }

    /// A node that reached the server but found no schema hears to run `hotload init`, not
    /// to choose another server.
    @Test func aNodeWithoutTheSchemaSaysRunInit() async throws {
        let url = try await TestDatabase.freshAsync()
        let (status, output) = try await runHotload(["node", "--listen", "127.0.0.1:\(try RawHTTP.freePort())", "--database", url])
        #expect(status == 1, "\(output)")
        #expect(output.contains("node cannot start: cannot use the database at"), "\(output)")
        #expect(output.contains("the hotload schema is missing"), "\(output)")
        #expect(output.contains("Run `hotload init` first."), "\(output)")
        #expect(!output.contains("Choose the server"), "\(output)")
    }

    /// A refused push, a moved head and an unknown release each get their command-line hint.
    @Test func pushAndHistoryErrorsGetTheirHints() async throws {
        let fixture = try await NodeFixture.make()
        let head = try await fixture.push(["a": "fn one() = 1\n"])
        let rules = FileManager.default.temporaryDirectory.appendingPathComponent("hints-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: rules) }
        try FileManager.default.createDirectory(at: rules, withIntermediateDirectories: true)
        let file = rules.appendingPathComponent("a.hl")

        try "fn one() = BROKEN\n".write(to: file, atomically: true, encoding: .utf8)
        let broken = try await runHotload(["push", rules.path, "-m", "x", "--database", fixture.url])
        #expect(broken.status == 1, "\(broken.output)")
        #expect(broken.output.contains("error[E201]"), "\(broken.output)")
        #expect(broken.output.contains(
            "push refused: 1 error; nothing was written; fix the errors, or use --skip-check in an emergency"),
                "\(broken.output)")

        try "fn one() = 2\n".write(to: file, atomically: true, encoding: .utf8)
        let moved = try await runHotload(["push", rules.path, "-m", "x", "--expect", "\(head - 1)", "--database", fixture.url])
        #expect(moved.status == 1, "\(moved.output)")
        #expect(moved.output.contains("error: channel main moved: expected head \(head - 1), but it is release \(head); "
                                      + "review `hotload log --channel main` and push again with --expect \(head)"),
                "\(moved.output)")

        let unknown = try await runHotload(["show", "a", "--release", "\(head + 100)", "--database", fixture.url])
        #expect(unknown.status == 1, "\(unknown.output)")
        #expect(unknown.output.contains("error: release \(head + 100) does not exist; see `hotload log`"), "\(unknown.output)")

        let other = try await runHotload(["show", "a", "--channel", "canary", "--database", fixture.url])
        #expect(other.status == 1, "\(other.output)")
        #expect(other.output.contains("channel canary has no release yet; push modules to it first; "
                                      + "run `hotload push DIR --channel canary`"), "\(other.output)")
        await fixture.close()
    }

    /// A refused node configuration names the setting; the CLI names its flag.
    @Test func aRefusedNodeSettingNamesItsFlag() async throws {
        let (status, output) = try await runHotload(["node", "--channel", "Main", "--listen", "127.0.0.1:\(try RawHTTP.freePort())",
                                                     "--database", "postgresql://127.0.0.1:1/x"])
        #expect(status == 1, "\(output)")
        #expect(output.contains("error: invalid node configuration: channel 'Main' is not a valid channel name"), "\(output)")
        #expect(output.contains("(--channel)"), "\(output)")
    }
}
