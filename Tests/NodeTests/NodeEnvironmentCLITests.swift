import Foundation
@testable import HotloadCLI
import Testing

/// `hotload node` options from `HOTLOAD_NODE_*` (`EnvironmentDefaults`), on the real binary:
/// the environment fills what the command line does not give, the command line wins, and a
/// bad value or an unknown variable is refused with the variable named.
@Suite struct NodeEnvironmentCLITests {
    /// Without a database the node stops at its first check, before connecting.
    static let unreachable = ["HOTLOAD_DATABASE_URL": "postgresql://127.0.0.1:1/nothing?connect_timeout=1"]

    @Test func aBadValueFromTheEnvironmentNamesItsVariable() async throws {
        var (status, output) = try await runHotload(
            ["node"], environment: Self.unreachable.merging(["HOTLOAD_NODE_POLL_INTERVAL": "0"]) { $1 })
        #expect(status != 0)
        #expect(output.contains("--poll-interval must be in (0, 86400]"), "\(output)")
        #expect(output.contains("from the environment: HOTLOAD_NODE_POLL_INTERVAL=0 (--poll-interval)"), "\(output)")

        (status, output) = try await runHotload(
            ["node"], environment: Self.unreachable.merging(["HOTLOAD_NODE_MAX_QUEUED": "lots"]) { $1 })
        #expect(status != 0)
        #expect(output.contains("'lots' is invalid for '--max-queued"), "\(output)")
        #expect(output.contains("HOTLOAD_NODE_MAX_QUEUED=lots (--max-queued)"), "\(output)")

        (status, output) = try await runHotload(
            ["node"], environment: Self.unreachable.merging(["HOTLOAD_NODE_ENABLE_EVAL": "maybe"]) { $1 })
        #expect(status == 64)
        #expect(output.contains("error: HOTLOAD_NODE_ENABLE_EVAL must be true, false, 1 or 0, not 'maybe'"), "\(output)")
    }

    @Test func aVariableNoOptionReadsIsRefused() async throws {
        var (status, output) = try await runHotload(
            ["node"], environment: Self.unreachable.merging(["HOTLOAD_NODE_POLL_INTERVALL": "5"]) { $1 })
        #expect(status == 64)
        #expect(output.contains("error: HOTLOAD_NODE_POLL_INTERVALL is not an option of `hotload node`"), "\(output)")
        (status, output) = try await runHotload(
            ["node"], environment: Self.unreachable.merging(["HOTLOAD_NODE_DATABASE": "postgresql://x/y"]) { $1 })
        #expect(status == 64)
        #expect(output.contains("the database comes from HOTLOAD_DATABASE_URL"), "\(output)")
        // Other commands do not look at the node's variables.
        (status, output) = try await runHotload(["eval", "--expr", "1 + 1"],
                                                environment: ["HOTLOAD_NODE_POLL_INTERVALL": "5"])
        #expect(status == 0 && output == "2\n", "\(output)")
    }

    @Test func theCommandLineWinsOverTheEnvironment() async throws {
        let (status, output) = try await runHotload(
            ["node", "--listen", "127.0.0.1:notaport"],
            environment: Self.unreachable.merging(["HOTLOAD_NODE_LISTEN": "from-environment"]) { $1 })
        #expect(status != 0)
        #expect(output.contains("not '127.0.0.1:notaport'"), "\(output)")
        #expect(!output.contains("from-environment"), "\(output)")
    }

    /// A node configured only through the environment serves what the variables say;
    /// `--no-enable-eval` on the command line turns off what the environment turned on.
    @Test func aNodeRunsFromTheEnvironment() async throws {
        let fixture = try await NodeFixture.make()
        try await fixture.push(["m": "fn v() = 41 + 1"])
        for (extra, evalStatus) in [([String](), 200), (["--no-enable-eval"], 404)] {
            let port = try RawHTTP.freePort()
            let process = Process()
            process.executableURL = try hotloadExecutable()
            process.arguments = ["node"] + extra
            process.environment = ProcessInfo.processInfo.environment.merging([
                "HOTLOAD_DATABASE_URL": fixture.url, "HOTLOAD_NODE_LISTEN": "127.0.0.1:\(port)",
                "HOTLOAD_NODE_ENABLE_EVAL": "true", "HOTLOAD_NODE_NAME": "from-environment",
                "HOTLOAD_NODE_POLL_INTERVAL": "2",
            ]) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            defer { if process.isRunning { process.terminate() } }
            let deadline = ContinuousClock.now + .seconds(20)
            while RawHTTP.request(port: port, "GET", "/healthz", timeout: .seconds(2))?.status != 200 {
                guard ContinuousClock.now < deadline, process.isRunning else {
                    throw FixtureError("the node configured from the environment never became healthy")
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            let status = RawHTTP.request(port: port, "GET", "/v1/status")
            #expect(status?.body.contains("from-environment") == true, "\(String(describing: status))")
            let eval = RawHTTP.request(port: port, "POST", "/v1/eval", body: #"{"expr": "1 + 1"}"#)
            #expect(eval?.status == evalStatus, "\(extra): \(String(describing: eval))")
            process.terminate()
            await onThread { process.waitUntilExit() }
            #expect(process.terminationStatus == 0, "SIGTERM stops the node cleanly")
        }
        await fixture.close()
    }

    /// Every option of `hotload node` but `--database` and `--help` has a variable, and its
    /// help names it.
    @Test func everyNodeOptionHasAVariableNamedInItsHelp() async throws {
        let (status, output) = try await runHotload(["node", "--experimental-dump-help"])
        #expect(status == 0)
        let tool = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let command = try #require(tool["command"] as? [String: Any])
        let arguments = try #require(command["arguments"] as? [[String: Any]])
        var options: Set<String> = []
        for argument in arguments {
            for name in argument["names"] as? [[String: Any]] ?? [] where name["kind"] as? String == "long" {
                options.insert(try #require(name["name"] as? String))
            }
        }
        let expected = Set(EnvironmentDefaults.node.flatMap(\.longNames))
        #expect(options.subtracting(["database", "help"]) == expected)

        let (_, help) = try await runHotload(["node", "--help"])
        let flattened = help.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for setting in EnvironmentDefaults.node {
            #expect(flattened.contains("Env: \(setting.variable)."), "\(setting.option)")
        }
        #expect(EnvironmentDefaults.node.first { $0.option == "poll-interval" }?.variable == "HOTLOAD_NODE_POLL_INTERVAL")
    }

    @Test func fillsOnlyWhatTheCommandLineLeavesOut() throws {
        let environment = ["HOTLOAD_NODE_POLL_INTERVAL": "3", "HOTLOAD_NODE_NAME": "-dash",
                           "HOTLOAD_NODE_CHANNEL": "", "HOTLOAD_NODE_ENABLE_EVAL": "0", "HOTLOAD_NODE_LISTEN": ":9"]
        let filled = try EnvironmentDefaults(arguments: ["node", "--listen=:1", "--channel", "c"], environment: environment)
        #expect(filled.arguments == ["node", "--name=-dash", "--poll-interval=3", "--no-enable-eval",
                                     "--listen=:1", "--channel", "c"])
        #expect(filled.applied.map(\.setting.option) == ["name", "poll-interval", "enable-eval"])
        // An empty variable is unset, also one that no option reads.
        #expect(try EnvironmentDefaults(arguments: ["node"], environment: ["HOTLOAD_NODE_UNKNOWN": ""]).arguments == ["node"])
        #expect(throws: (any Error).self) {
            try EnvironmentDefaults(arguments: ["node"], environment: ["HOTLOAD_NODE_UNKNOWN": "1"])
        }
        let other = try EnvironmentDefaults(arguments: ["status"], environment: environment)
        #expect(other.arguments == ["status"] && other.note == nil)
    }
}
