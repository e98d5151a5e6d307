import Foundation
import HotloadNode
import HotloadStore
import PQ
import Synchronization
import Testing

/// Nodes that do not listen (`listensForNotifications: false`, `hotload node --no-listen`),
/// on the real database: one connection, no LISTEN, a release found by the poll alone.
@Suite struct ListenerlessNodeTests {
    /// The application names of the connections Hotload nodes hold on the fixture's database.
    static func nodeConnections(_ fixture: NodeFixture) async throws -> [String] {
        let rows = try await fixture.store.connection.query("""
            SELECT application_name FROM pg_stat_activity
            WHERE datname = current_database() AND application_name LIKE 'hotload-node%' ORDER BY 1
            """)
        return try rows.values("application_name", as: String.self)
    }

    static func pollingOnly(_ fixture: NodeFixture, name: String, poll: Duration,
                            minSync: Duration = .milliseconds(100)) -> NodeConfiguration {
        var configuration = fixture.configuration(name: name, poll: poll)
        configuration.listensForNotifications = false
        configuration.minSyncInterval = minSync
        return configuration
    }

    @Test func aNodeThatDoesNotListenPollsWithOneConnection() async throws {
        let fixture = try await NodeFixture.make()
        let first = try await fixture.push(["m": "fn v() = 1"])
        let running = RunningNode.start(Self.pollingOnly(fixture, name: "poller", poll: .milliseconds(200)))
        try await running.waitFor(release: first)
        #expect(try await Self.nodeConnections(fixture) == ["hotload-node query"])

        // No notification wakes it: the poll finds the release (within a poll interval and a
        // sync; the guard is generous).
        let second = try await fixture.push(["m": "fn v() = 2"])
        try await running.waitFor(release: second, timeout: .seconds(10))
        #expect(try callInt(running.node, "m", "v") == 2)
        let status = running.node.status
        #expect(!status.listening)
        #expect(status.databaseReachable)
        #expect(try await Self.nodeConnections(fixture) == ["hotload-node query"])

        await running.stop()
        await fixture.close()
    }

    /// With a 1 ms minimum sync interval a listening node would read the head for nearly
    /// every notification; one that does not listen reads only on its 100 ms poll.
    @Test func aFloodOfNotificationsCostsAPollingNodeNothing() async throws {
        let fixture = try await NodeFixture.make()
        let first = try await fixture.push(["m": "fn v() = 1"])
        let running = RunningNode.start(Self.pollingOnly(fixture, name: "deaf", poll: .milliseconds(100),
                                                         minSync: .milliseconds(1)))
        try await running.waitFor(release: first)

        let flooder = try await Connection.connect(ConnectionConfiguration(fixture.url))
        let readsBefore = running.node.status.headReads
        let started = ContinuousClock.now
        async let flood: Void = {
            for n in 0..<3_000 {
                _ = try await flooder.query("SELECT pg_notify($1, $2)",
                                            [.text(ReleaseNotification.channelName), .text(#"{"channel":"main","release":\#(n)}"#)])
            }
        }()
        try await Task.sleep(for: .milliseconds(100))
        let second = try await fixture.push(["m": "fn v() = 2"])
        try await running.waitFor(release: second, timeout: .seconds(10))
        try await flood
        let elapsed = ContinuousClock.now - started
        let reads = running.node.status.headReads - readsBefore
        let bound = Int((elapsed / .milliseconds(100)).rounded(.up)) + 2
        #expect(reads <= bound, "\(reads) head reads in \(elapsed) of flood; at most \(bound) polls")
        #expect(try callInt(running.node, "m", "v") == 2)
        #expect(!running.node.status.listening)
        #expect(try await Self.nodeConnections(fixture) == ["hotload-node query"])

        await flooder.close()
        await running.stop()
        await fixture.close()
    }

    /// Linking is limited to half the poll interval, but never less than 2.5 s: a 100 ms
    /// poll must not turn a large release that links in tens of milliseconds into E412.
    @Test func aShortPollDoesNotShortenTheLinkTimeLimit() async throws {
        let fixture = try await NodeFixture.make()
        let first = try await fixture.push(["m": "fn v() = 1"])
        let running = RunningNode.start(Self.pollingOnly(fixture, name: "large", poll: .milliseconds(100)))
        try await running.waitFor(release: first)
        // About 80 KB and 40,000 syntax nodes: well within the limits, but over 100 ms to link
        // in a debug build (more than half the poll), and far below 2.5 s even on a busy machine.
        let list = "[" + Array(repeating: "1", count: 1000).joined(separator: ",") + "]"
        let large = (["fn v() = 2"] + (0..<40).map { "let l\($0) = \(list)" }).joined(separator: "\n")
        let second = try await fixture.push(["m": large])
        try await running.waitUntil(timeout: .seconds(30), "release \(second) applied or refused") {
            running.node.current?.release == second || running.node.status.lastError != nil
        }
        #expect(running.node.status.lastError == nil, "\(String(describing: running.node.status.lastError))")
        #expect(try callInt(running.node, "m", "v") == 2)
        #expect(running.node.configuration.linkTimeLimit == .milliseconds(2500))

        await running.stop()
        await fixture.close()
    }

    @Test func theCommandPollsWithoutListening() async throws {
        let fixture = try await NodeFixture.make()
        let first = try await fixture.push(["m": "fn v() = 1"])
        let node = try NodeProcess.start(["--name", "cli-poller", "--database", fixture.url, "--poll-interval", "0.1"],
                                         environment: ["HOTLOAD_NODE_NO_LISTEN": "true"])
        defer { if node.process.isRunning { node.process.terminate() } }
        let port = node.port
        /// Waits until `/v1/status` reports `release` applied.
        func waitForStatus(_ release: Int64) async throws -> String {
            let deadline = ContinuousClock.now + .seconds(20)
            while true {
                if let response = RawHTTP.request(port: port, "GET", "/v1/status", timeout: .seconds(2)),
                   response.status == 200, response.body.contains(#""appliedRelease":\#(release)"#) {
                    return response.body
                }
                guard ContinuousClock.now < deadline else {
                    throw FixtureError("the node never applied release \(release): \(node.log())")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        _ = try await waitForStatus(first)
        let second = try await fixture.push(["m": "fn v() = 2"])
        let body = try await waitForStatus(second)
        #expect(body.contains(#""listening":false"#), "\(body)")
        #expect(RawHTTP.request(port: port, "GET", "/healthz")?.status == 200)
        #expect(try await Self.nodeConnections(fixture) == ["hotload-node query"])
        #expect(node.log().contains("polls only"), "\(node.log())")

        let (status, output) = try await runHotload(["status", "--database", fixture.url])
        #expect(status == 0, "\(output)")
        #expect(output.contains("cli-poller"), "\(output)")

        await node.stop()
        await fixture.close()
    }

    @Test func theCommandRefusesAPollUnder100MillisecondsWithoutListening() async throws {
        let unreachable = ["HOTLOAD_DATABASE_URL": "postgresql://127.0.0.1:1/nothing?connect_timeout=1"]
        var (status, output) = try await runHotload(["node", "--no-listen", "--poll-interval", "0.05"], environment: unreachable)
        #expect(status != 0)
        #expect(output.contains("--poll-interval must be at least 0.1 seconds with --no-listen"), "\(output)")

        (status, output) = try await runHotload(["node", "--poll-interval", "0.05"],
                                                environment: unreachable.merging(["HOTLOAD_NODE_NO_LISTEN": "1"]) { $1 })
        #expect(status != 0)
        #expect(output.contains("--poll-interval must be at least 0.1 seconds with --no-listen"), "\(output)")
        #expect(output.contains("HOTLOAD_NODE_NO_LISTEN=1 (--no-listen)"), "\(output)")

        // A listening node may poll more often; it fails later, at the unreachable database.
        (status, output) = try await runHotload(["node", "--poll-interval", "0.05"],
                                                environment: unreachable.merging(["HOTLOAD_NODE_NO_LISTEN": "false"]) { $1 })
        #expect(status != 0)
        #expect(!output.contains("--poll-interval"), "\(output)")
    }
}
