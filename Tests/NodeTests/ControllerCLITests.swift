import Foundation
import HotloadStore
import PQ
import Testing

/// Issue 10: `hotload controller` as a process: it refuses a login without
/// hotload_operator naming the role; `rollout status` says when no controller runs; of two
/// controllers one leads (while a reader holds the advisory lock that used to be
/// leadership), and when it is killed the other takes over; SIGTERM stops one cleanly
/// (status says so at once).
@Suite("CLI controller")
struct ControllerCLITests {
    /// A `hotload` process writing to a file, for commands that run until stopped.
    private final class Background {
        let process = Process()
        let log: URL

        init(_ arguments: [String]) throws {
            log = FileManager.default.temporaryDirectory.appendingPathComponent("controller-\(UUID().uuidString).log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            process.executableURL = try hotloadExecutable()
            process.arguments = arguments
            let handle = try FileHandle(forWritingTo: log)
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
        }

        var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

        func stop(_ signal: Int32) async -> Int32 {
            kill(process.processIdentifier, signal)
            let process = self.process
            return await onThread {
                process.waitUntilExit()
                return process.terminationStatus
            }
        }
    }

    private func status(_ url: String) async throws -> [String: Any] {
        let (code, output) = try await runHotload(["rollout", "status", "--json", "--database", url])
        guard code == 0, let json = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] else {
            throw FixtureError("rollout status failed: \(output)")
        }
        return json
    }

    /// Waits until `rollout status --json` satisfies `condition` (a guard against hangs).
    private func waitForStatus(_ url: String, _ what: String, _ condition: ([String: Any]) -> Bool) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let json = try await status(url)
            if condition(json) { return json }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw FixtureError("timed out waiting for \(what): \(try await status(url))")
    }

    @Test func refusalLeadershipTakeoverAndCleanStop() async throws {
        let fixture = try await NodeFixture.make()
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let operatorLogin = "ctl_op_\(suffix)", reader = "ctl_reader_\(suffix)"
        try await fixture.store.connection.execute("CREATE ROLE \(operatorLogin) LOGIN IN ROLE hotload_operator")
        try await fixture.store.connection.execute("CREATE ROLE \(reader) LOGIN IN ROLE hotload_reader")
        func as_(_ login: String) throws -> String {
            guard let at = fixture.url.range(of: "postgres@") else { throw FixtureError("unexpected test URL") }
            return fixture.url.replacingCharacters(in: at, with: "\(login)@")
        }

        // Without hotload_operator: refused at once, naming the role.
        let (code, output) = try await runHotload(["controller", "--database", try as_(reader)])
        #expect(code == 1 && output.contains("hotload_operator"), "\(output)")

        try await fixture.push(["a": "fn a() = 1\n"])
        try await fixture.store.setChannelPolicy(channel: "main", requiredApprovals: 0,
                                                 steps: try RolloutStep.parse(list: "1,100%"), bakeSeconds: 3600)
        try await fixture.push(["a": "fn a() = 2\n"])
        var json = try await status(fixture.url)
        #expect(json["controller_running"] as? Bool == false && json["controller_leader"] is NSNull, "\(json)")
        #expect(json["last_gate"] is NSNull, "\(json)")
        let (_, text) = try await runHotload(["rollout", "status", "--database", fixture.url])
        #expect(text.contains("holding: no controller is running"), "\(text)")

        // A reader holds the advisory lock that was leadership before leases: irrelevant now.
        let readerStore = try await Store.connect(ConnectionConfiguration(try as_(reader)))
        try await readerStore.connection.execute("SELECT pg_advisory_lock(hashtext('hotload-controller'), hashtext('main'))")

        let arguments = ["controller", "--interval", "0.2", "--json", "--database", try as_(operatorLogin)]
        let first = try Background(arguments)
        let second = try Background(arguments)
        json = try await waitForStatus(fixture.url, "a leader") { ($0["controller_leader"] as? String) != nil && $0["step"] as? Int == 1 }
        let leader = try #require(json["controller_leader"] as? String)
        let (dead, survivor) = leader.hasSuffix(":\(first.process.processIdentifier)") ? (first, second) : (second, first)
        #expect(leader.hasSuffix(":\(dead.process.processIdentifier)"))

        // Kill the leader without a chance to clean up: its session ends, so its lease may
        // be taken over before it expires.
        _ = await dead.stop(SIGKILL)
        json = try await waitForStatus(fixture.url, "the takeover") {
            ($0["controller_leader"] as? String)?.hasSuffix(":\(survivor.process.processIdentifier)") == true
        }
        #expect(survivor.output.contains("\"kind\":\"leading\""), "\(survivor.output)")

        // SIGTERM: a clean stop, recorded at once.
        #expect(await survivor.stop(SIGTERM) == 0, "\(survivor.output)")
        json = try await waitForStatus(fixture.url, "no controller") { $0["controller_running"] as? Bool == false }
        // The entered step was recorded by the first leader with the operator login.
        let log = try await fixture.store.rolloutLog(channel: "main")
        #expect(log.filter { $0.action == "step" }.map(\.actor) == [operatorLogin], "\(log)")

        await readerStore.connection.close()
        for role in [operatorLogin, reader] { _ = try? await fixture.store.connection.execute("DROP ROLE IF EXISTS \(role)") }
        await fixture.close()
    }
}
