import CEL
import Foundation
import HotloadNode
import HotloadStore
import PQ
import Synchronization
import Testing

/// Issue 10 on real nodes: each node runs its pin, else the candidate when its bucket is
/// below the rollout's threshold, else the stable release, and follows every change within
/// a wake-up. The poll is an hour away in these tests: only NOTIFY (and the pin-expiry
/// timer) can move a node.
@Suite struct NodeRolloutTests {
    /// The fleet, all on `stable`, with a record of every release each node applied.
    final class Fleet: Sendable {
        let nodes: [RunningNode]
        let applied = Mutex<[String: [Int64]]>([:])

        private init(nodes: [RunningNode]) {
            self.nodes = nodes
        }

        static func start(_ fixture: NodeFixture, _ names: [String], on stable: Int64) async throws -> Fleet {
            let fleet = Fleet(nodes: names.map { RunningNode.start(fixture.configuration(name: $0, poll: .seconds(3600))) })
            for running in fleet.nodes {
                let events = running.node.events
                let name = running.node.configuration.name
                Task {
                    for await event in events {
                        if case .applied(let event) = event { fleet.applied.withLock { $0[name, default: []].append(event.release) } }
                    }
                }
            }
            for node in fleet.nodes { try await node.waitFor(release: stable) }
            return fleet
        }

        /// Waits until every node runs what `expected` says, with the role it names.
        func waitUntil(_ what: String, _ expected: (String) -> (Int64, ReleaseRole)) async throws {
            for running in nodes {
                let (release, role) = expected(running.node.configuration.name)
                try await running.waitUntil("\(running.node.configuration.name) on \(release) as \(role) (\(what))") {
                    running.node.current?.release == release && running.node.status.role == role
                }
            }
        }

        func stop() async {
            for node in nodes { await node.stop() }
        }
    }

    /// A K-node step moves exactly the K nodes of smallest bucket; a percentage step moves
    /// exactly those below its threshold; raising the step only adds nodes; the nodes not
    /// selected never apply the candidate. Status shows each node's release and role.
    @Test func stepsMoveExactlyTheSelectedNodesAndRaisingOnlyAddsNodes() async throws {
        let fixture = try await NodeFixture.make()
        let stable = try await fixture.push(["app": "fn version() = 1"])
        try await fixture.store.setChannelPolicy(channel: "main", requiredApprovals: 0,
                                                 steps: try RolloutStep.parse(list: "2,40%,100%"), bakeSeconds: 0)
        let names = (1...8).map { "canary-node-\($0)" }
        let fleet = try await Fleet.start(fixture, names, on: stable)
        let candidate = try await fixture.push(["app": "fn version() = 2"])
        let id = try #require(try await fixture.store.activeRollout(channel: "main"))
        // Before the first step nobody runs the candidate (the push's NOTIFY woke everyone).
        try await Task.sleep(for: .milliseconds(300))
        try await fleet.waitUntil("before the first step") { _ in (stable, .stable) }

        var selected: Set<String> = []
        for step in 0..<2 {
            #expect(try await fixture.store.nextStep(id) == step)
            let status = try await fixture.store.rolloutStatus(id)
            let now = Set(names.filter { RolloutBucket.bucket(salt: status.salt, node: $0) < status.threshold })
            if step == 0 { #expect(now.count == 2) }
            #expect(now.isSuperset(of: selected), "step \(step)")
            selected = now
            try await fleet.waitUntil("step \(step)") { selected.contains($0) ? (candidate, .candidate) : (stable, .stable) }
            // Give a wrongly selected node time to move: none does.
            try await Task.sleep(for: .milliseconds(300))
            try await fleet.waitUntil("step \(step), later") { selected.contains($0) ? (candidate, .candidate) : (stable, .stable) }
        }
        #expect(!selected.isEmpty && selected.count < names.count)
        let applied = fleet.applied.withLock { $0 }
        for name in names where !selected.contains(name) {
            #expect(applied[name] == [stable], "\(name) applied \(applied[name] ?? [])")
        }
        for name in selected { #expect(applied[name] == [stable, candidate], "\(name)") }

        // What the nodes report reaches `hotload status` and `rollout status`.
        let deadline = ContinuousClock.now + .seconds(10)
        var rows: [NodeStatusRow] = []
        while ContinuousClock.now < deadline {
            rows = try await fixture.store.nodeStatuses()
            if rows.allSatisfy({ $0.appliedRole == (selected.contains($0.name) ? .candidate : .stable) }) { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        for row in rows {
            #expect(row.appliedRole == (selected.contains(row.name) ? .candidate : .stable), "\(row.name)")
            #expect(row.appliedRelease == (selected.contains(row.name) ? candidate : stable), "\(row.name)")
        }
        let status = try await fixture.store.rolloutStatus(id)
        for node in status.nodes {
            #expect(node.appliedRelease == node.target && node.runsCandidate == selected.contains(node.name), "\(node.name)")
            #expect(node.appliedRole == (selected.contains(node.name) ? .candidate : .stable), "\(node.name)")
        }

        // The same through the binary: `rollout status --json` has each node's name, bucket,
        // release (what it runs now), role and pin; `hotload status` a RUNS column.
        let (code, output) = try await runHotload(["rollout", "status", "--json", "--database", fixture.url])
        #expect(code == 0, "\(output)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let nodes = try #require(json["nodes"] as? [[String: Any]])
        #expect(nodes.count == names.count)
        for node in nodes {
            let name = try #require(node["name"] as? String)
            let canary = selected.contains(name)
            #expect((node["bucket"] as? NSNumber)?.uint64Value == RolloutBucket.bucket(salt: status.salt, node: name))
            #expect((node["release"] as? NSNumber)?.int64Value == (canary ? candidate : stable), "\(name)")
            #expect(node["role"] as? String == (canary ? "candidate" : "stable"), "\(name)")
            #expect(node.keys.contains("pinned") && node["pinned"] is NSNull, "\(name)")
        }
        let (tableCode, table) = try await runHotload(["status", "--database", fixture.url])
        #expect(tableCode == 0 && table.contains("RUNS"), "\(table)")
        for name in names {
            let line = try #require(table.split(separator: "\n").first { $0.hasPrefix(name + " ") }, "\(table)")
            #expect(line.contains(selected.contains(name) ? "candidate" : "stable"), "\(line)")
        }
        await fleet.stop()
        await fixture.close()
    }

    /// Abort sends every canary back to stable and promote moves everyone to the candidate,
    /// while every node serves calls in a loop: no call fails, none finds no release.
    @Test func abortAndPromoteUnderCallLoadFailNoCall() async throws {
        let fixture = try await NodeFixture.make()
        let stable = try await fixture.push(["app": "fn version() = 1"])
        try await fixture.store.setChannelPolicy(channel: "main", requiredApprovals: 0,
                                                 steps: try RolloutStep.parse(list: "3,100%"), bakeSeconds: 0)
        let names = (1...6).map { "load-node-\($0)" }
        let fleet = try await Fleet.start(fixture, names, on: stable)
        let calls = CallLoad()
        let load = fleet.nodes.map { running in
            Task.detached {
                while !calls.stop.load(ordering: .relaxed) {
                    do {
                        let value = try callInt(running.node, "app", "version")
                        if value == 1 || value == 2 {
                            calls.results.withLock { $0.ok[running.node.configuration.name, default: 0] += 1 }
                        } else {
                            calls.results.withLock { $0.failed.append("\(running.node.configuration.name): \(String(describing: value))") }
                        }
                    } catch {
                        calls.results.withLock { $0.failed.append("\(running.node.configuration.name): \(error)") }
                    }
                    await Task.yield()
                }
            }
        }

        let candidate = try await fixture.push(["app": "fn version() = 2"])
        let first = try #require(try await fixture.store.activeRollout(channel: "main"))
        try await fixture.store.nextStep(first)
        let salt = try await fixture.store.rolloutStatus(first).salt
        let canaries = Set(names.sorted { RolloutBucket.bucket(salt: salt, node: $0) < RolloutBucket.bucket(salt: salt, node: $1) }
            .prefix(3))
        try await fleet.waitUntil("3 canaries") { canaries.contains($0) ? (candidate, .candidate) : (stable, .stable) }
        try await calls.waitForMore(on: names)
        try await fixture.store.abortRollout(first, reason: "test abort")
        try await fleet.waitUntil("abort") { _ in (stable, .stable) }
        try await calls.waitForMore(on: names)

        let second = try await fixture.store.startRollout(channel: "main", release: candidate)
        try await fixture.store.nextStep(second)
        let status = try await fixture.store.rolloutStatus(second)
        let again = Set(names.filter { RolloutBucket.bucket(salt: status.salt, node: $0) < status.threshold })
        #expect(again.count == 3)
        try await fleet.waitUntil("3 canaries again") { again.contains($0) ? (candidate, .candidate) : (stable, .stable) }
        try await calls.waitForMore(on: names)
        try await fixture.store.promoteRollout(second)
        try await fleet.waitUntil("promote") { _ in (candidate, .stable) }
        try await calls.waitForMore(on: names)
        // The canaries applied nothing at the promote, only their role changed: their rows say so.
        let deadline = ContinuousClock.now + .seconds(10)
        var rows: [NodeStatusRow] = []
        while ContinuousClock.now < deadline {
            rows = try await fixture.store.nodeStatuses()
            if rows.allSatisfy({ $0.appliedRelease == candidate && $0.appliedRole == .stable }) { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(rows.count == names.count
            && rows.allSatisfy { $0.appliedRelease == candidate && $0.appliedRole == .stable }, "\(rows)")
        calls.stop.store(true, ordering: .relaxed)
        for task in load { await task.value }
        let result = calls.results.withLock { $0 }
        #expect(result.failed.isEmpty, "\(result.failed.prefix(5))")
        await fleet.stop()
        await fixture.close()
    }

    /// A pin wins over the bucket either way, and ends at its expiry: the node re-reads
    /// then by itself (the poll is an hour away, and expiry sends no NOTIFY).
    @Test func aPinWinsOverTheBucketAndEndsAtExpiry() async throws {
        let fixture = try await NodeFixture.make()
        let stable = try await fixture.push(["app": "fn version() = 1"])
        try await fixture.store.setChannelPolicy(channel: "main", requiredApprovals: 0,
                                                 steps: try RolloutStep.parse(list: "1,100%"), bakeSeconds: 0)
        let names = ["pin-node-1", "pin-node-2", "pin-node-3"]
        let fleet = try await Fleet.start(fixture, names, on: stable)
        let candidate = try await fixture.push(["app": "fn version() = 2"])
        let id = try #require(try await fixture.store.activeRollout(channel: "main"))
        try await fixture.store.nextStep(id)
        let salt = try await fixture.store.rolloutStatus(id).salt
        let ordered = names.sorted { RolloutBucket.bucket(salt: salt, node: $0) < RolloutBucket.bucket(salt: salt, node: $1) }
        let (canary, other, bystander) = (ordered[0], ordered[1], ordered[2])
        try await fleet.waitUntil("step") { $0 == canary ? (candidate, .candidate) : (stable, .stable) }

        try await fixture.store.pin(node: canary, release: stable, ttlSeconds: 2)
        try await fixture.store.pin(node: other, release: candidate, ttlSeconds: 2)
        try await fleet.waitUntil("pins") { name in
            name == canary ? (stable, .pinned) : name == other ? (candidate, .pinned) : (stable, .stable)
        }
        #expect(fleet.nodes.first { $0.node.configuration.name == bystander }?.node.current?.release == stable)
        // Expired: back to what the bucket says, with no NOTIFY and no poll.
        try await fleet.waitUntil("expiry") { $0 == canary ? (candidate, .candidate) : (stable, .stable) }
        let pins = try await fixture.store.pins(channel: "main")
        #expect(pins.isEmpty)
        await fleet.stop()
        await fixture.close()
    }
}

/// Calls made by the load of `abortAndPromoteUnderCallLoadFailNoCall` (successful ones
/// by node), and its stop flag.
private final class CallLoad: Sendable {
    let results = Mutex((ok: [String: Int](), failed: [String]()))
    let stop = Atomic<Bool>(false)

    /// Waits until every node of `names` has served more calls than now: the load runs on
    /// every node around each transition (a guard against a stalled load, not a timing).
    func waitForMore(on names: [String], timeout: Duration = .seconds(20)) async throws {
        let before = results.withLock { $0.ok }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let now = results.withLock { $0.ok }
            if names.allSatisfy({ now[$0, default: 0] > before[$0, default: 0] }) { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw FixtureError("the call load stalled on some node")
    }
}
