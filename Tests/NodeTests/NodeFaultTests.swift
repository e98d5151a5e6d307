import CEL
import Foundation
import HotloadNode
import HotloadStore
import PostgresHarness
import PQ
import Synchronization
import Testing

/// The node under faults: server restart, broken releases, swaps under load, offline start.
@Suite struct NodeFaultTests {
    @Test func serverRestartKeepsServingAndAppliesWhatWasPushedMeanwhile() async throws {
        // Its own server: restarting the shared one would disturb other tests.
        try await withThrowawayServer { server in
            let url = try await Harness.offload { () throws(HarnessError) -> String in try server.createDatabase("restart") }
            let fixture = try await NodeFixture.make(url: url)
            let first = try await fixture.push(["m": "fn v() = 1"])
            let nodes = [RunningNode.start(fixture.configuration(name: "a", poll: .seconds(3600))),
                         RunningNode.start(fixture.configuration(name: "b", poll: .seconds(3600)))]
            for node in nodes { try await node.waitFor(release: first) }
            await fixture.close()

            try await Harness.offload { () throws(HarnessError) in try server.stop() }
            // The database is gone: the nodes keep serving their release.
            for node in nodes {
                #expect(try callInt(node.node, "m", "v") == 1)
            }
            try await nodes[0].waitUntil("the node noticed the lost listener") { !nodes[0].node.status.listening }
            try await Harness.offload { () throws(HarnessError) in try server.ensureRunning() }
            let again = try await NodeFixture.make(url: url)
            let second = try await again.push(["m": "fn v() = 2"])
            for node in nodes {
                try await node.waitFor(release: second, timeout: .seconds(20))
                #expect(try callInt(node.node, "m", "v") == 2)
                try await node.waitUntil("listening again") { node.node.status.listening }
            }
            for node in nodes { await node.stop() }
            await again.close()
        }
    }

    @Test func brokenReleaseIsRefusedKeptAndReported() async throws {
        let fixture = try await NodeFixture.make()
        let good = try await fixture.push(["m": "fn v() = 1", "user": "import m\nfn w() = m.v() + 1"])
        let running = RunningNode.start(fixture.configuration(name: "careful", poll: .seconds(3600)))
        try await running.waitFor(release: good)
        let events = running.node.events

        let broken = try await fixture.push(["m": "fn v() = 1 +\nfn x() = nope"], skipCheck: true)
        var refusedErrors: [NodeError] = []
        for await event in events {
            if case .refused(let refused) = event, refused.release == broken {
                #expect(refused.kept == good)
                refusedErrors = refused.errors
                break
            }
        }
        #expect(!refusedErrors.isEmpty)
        #expect(refusedErrors.first?.module == "m.hl")
        #expect(refusedErrors.first?.line != nil)
        #expect(running.node.current?.release == good)
        #expect(try callInt(running.node, "user", "w") == 2)
        #expect(running.node.status.errorRelease == broken)

        // The status table reports it, with module, line and column.
        var row: NodeStatusRow?
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            row = try await fixture.store.nodeStatuses().first
            if row?.errorRelease == broken { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(row?.errorRelease == broken)
        #expect(row?.appliedRelease == good)
        #expect(row?.lastError?.module == "m.hl")
        #expect(row?.lastError?.line != nil && row?.lastError?.column != nil)
        #expect(row?.lag == 1)

        // A fixed release is applied and clears the error.
        let fixed = try await fixture.push(["m": "fn v() = 5"])
        try await running.waitFor(release: fixed)
        #expect(try callInt(running.node, "user", "w") == 6)
        #expect(running.node.status.lastError == nil)
        await running.stop()
        await fixture.close()
    }

    /// Calls from several threads while 50 releases are swapped in: no call fails, and
    /// every result comes from one whole release (both modules of the same release).
    @Test func callsDuringFiftySwapsNeverFailAndSeeWholeReleases() async throws {
        let fixture = try await NodeFixture.make()
        func modules(_ k: Int) -> [String: String] {
            ["a": "fn k() = \(k)", "b": "import a\nfn pair() = [a.k(), \(k)]"]
        }
        var release = try await fixture.push(modules(0))
        let running = RunningNode.start(fixture.configuration(name: "busy", poll: .seconds(3600)))
        try await running.waitFor(release: release)

        final class Tally: Sendable {
            let calls = Atomic<Int>(0)
            let bad = Atomic<Int>(0)
            let done = Atomic<Bool>(false)
        }
        let tally = Tally()
        // Stops the readers even when a push below throws.
        defer { tally.done.store(true, ordering: .relaxed) }
        let node = running.node
        let readers = (0..<3).map { _ in
            Task {
                await onThread {
                    var last: Int64 = -1
                    while !tally.done.load(ordering: .relaxed) {
                        guard let loaded = node.current,
                              let value = try? loaded.snapshot.call(module: "b", function: "pair", args: []),
                              case .list(let pair) = value, pair.count == 2,
                              case .int(let x) = pair[0], case .int(let y) = pair[1], x == y, x >= last
                        else {
                            tally.bad.wrappingAdd(1, ordering: .relaxed)
                            continue
                        }
                        last = x
                        tally.calls.wrappingAdd(1, ordering: .relaxed)
                    }
                }
            }
        }
        for k in 1...50 {
            release = try await fixture.push(modules(k))
            try await running.waitFor(release: release)
        }
        tally.done.store(true, ordering: .relaxed)
        for reader in readers { await reader.value }
        #expect(tally.bad.load(ordering: .relaxed) == 0)
        #expect(tally.calls.load(ordering: .relaxed) > 0)
        #expect(running.node.status.applies == 51)
        await running.stop()
        await fixture.close()
    }

    /// "Fast" means it fails instead of retrying forever: the time limit catches a hang
    /// without asserting a duration on a shared, noisy machine.
    @Test(.timeLimit(.minutes(1)))
    func badConfigurationAndUnreachableDatabaseFailFast() async throws {
        let invalid = Node(configuration: NodeConfiguration(database: "postgresql://127.0.0.1:1/x", channel: "Bad Channel"))
        await #expect(throws: NodeStartError.self) { try await invalid.run() }

        let unreachable = Node(configuration: NodeConfiguration(
            database: "postgresql://127.0.0.1:1/nothing", name: "lost", connectTimeout: .seconds(2)))
        do {
            try await unreachable.run()
            Issue.record("a node without a database and without a cache must not start")
        } catch let error as NodeStartError {
            #expect(error.description.contains("cannot reach the database"))
            #expect(!error.description.contains("password"))
        }
    }

    @Test func offlineStartServesTheCachedReleaseMarkedStale() async throws {
        let fixture = try await NodeFixture.make()
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("hotload-cache-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let release = try await fixture.push(["m": "fn v() = 7"])
        let online = RunningNode.start(fixture.configuration(name: "cached", cache: cache))
        try await online.waitFor(release: release)
        await online.stop()
        await fixture.close()

        var offlineConfiguration = fixture.configuration(name: "offline", cache: cache)
        offlineConfiguration.database = "postgresql://127.0.0.1:1/nothing"
        offlineConfiguration.connectTimeout = .seconds(1)
        let offline = RunningNode.start(offlineConfiguration)
        try await offline.waitUntil("the cached release is served") { offline.node.current != nil }
        #expect(offline.node.current?.stale == true)
        #expect(offline.node.current?.release == release)
        #expect(try callInt(offline.node, "m", "v") == 7)
        #expect(offline.node.status.stale)
        await offline.stop()
    }
}
