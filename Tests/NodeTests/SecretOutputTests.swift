import Foundation
import HotloadNode
import Logging
import PQ
import Testing

/// A password given with `--database` shows nowhere the node or the CLI prints: logs,
/// start errors, command errors — whatever characters it holds.
@Suite struct SecretOutputTests {
    /// Every character with a meaning in a URL or conninfo string.
    static let password = #"p@:/?#%'"\ =w0rd"#
    static let encoded = password.unicodeScalars.map { scalar in
        CharacterSet.alphanumerics.contains(scalar) ? String(scalar) : String(format: "%%%02X", scalar.value)
    }.joined()
    static let quoted = password.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")

    private func expectHidden(_ text: String, _ context: String) {
        for secret in [Self.password, Self.encoded, Self.quoted, "w0rd"] {
            #expect(!text.contains(secret), "\(context): '\(secret)' shows in: \(text)")
        }
    }

    /// `url` with the test password added to its user info.
    private func withPassword(_ url: String) throws -> String {
        guard let at = url.range(of: "postgres@") else { throw FixtureError("unexpected test URL \(url)") }
        return url.replacingCharacters(in: at, with: "postgres:\(Self.encoded)@")
    }

    @Test func aNodeWithAPasswordInItsURLRunsAndNeverLogsIt() async throws {
        let fixture = try await NodeFixture.make()
        let release = try await fixture.push(["m": "fn v() = 1"])
        // The test server trusts local connections, so any password connects: what is
        // checked is that the node parses and uses the string, and never prints it.
        var configuration = fixture.configuration(name: "secretive")
        configuration.database = try withPassword(fixture.url)
        let log = CollectedLog()
        let node = Node(configuration: configuration, logger: log.logger("secretive"))
        let task = Task { try await node.run() }
        let running = RunningNode(node: node, task: task)
        try await running.waitFor(release: release)
        await running.stop()
        #expect(log.text.contains("following channel main"))
        expectHidden(log.text, "node log")

        // Unreachable, in both forms: the start error and the log name the target, not the password.
        for database in ["postgresql://alice:\(Self.encoded)@127.0.0.1:1/hot",
                         "host=127.0.0.1 port=1 user=alice dbname=hot password='\(Self.quoted)'"] {
            let log = CollectedLog()
            let offline = Node(configuration: NodeConfiguration(database: database, name: "lost", connectTimeout: .seconds(2)),
                               logger: log.logger("lost"))
            do {
                try await offline.run()
                Issue.record("a node without a database started")
            } catch {
                #expect("\(error)".contains("alice@127.0.0.1:1/hot"))
                expectHidden("\(error)", database)
            }
            expectHidden(log.text, database)
        }
        await fixture.close()
    }

    @Test func theCLINeverPrintsThePassword() async throws {
        let targets = ["postgresql://alice:\(Self.encoded)@127.0.0.1:1/hot?connect_timeout=2",
                       "host=127.0.0.1 port=1 user=alice dbname=hot connect_timeout=2 password='\(Self.quoted)'",
                       "postgresql://alice:\(Self.encoded)%zz@127.0.0.1:1/hot"]
        for target in targets {
            for command in [["node", "--listen", "127.0.0.1:1"], ["status"], ["log"], ["init"]] {
                let (status, output) = try await runHotload(command + ["--database", target])
                #expect(status != 0, "\(command) \(target)")
                #expect(output.contains("error"), "\(command): \(output)")
                expectHidden(output, "\(command) \(target)")
            }
            // The same through the environment.
            let (status, output) = try await runHotload(["status"], environment: ["HOTLOAD_DATABASE_URL": target])
            #expect(status != 0)
            expectHidden(output, "status with HOTLOAD_DATABASE_URL")
        }
        let help = try await runHotload(["node", "--help"])
        #expect(help.output.contains("PGPASSFILE"))
        #expect(help.output.contains("--enable-eval"))
        #expect(help.output.contains("--token-file"))
        #expect(help.output.contains("GET /openapi.json"))
    }
}
