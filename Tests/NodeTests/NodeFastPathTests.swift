import CEL
import Foundation
import HotloadNode
import HotloadStore
import PQ
import Synchronization
import Testing

/// The signed notification: a node with a trust policy whose running release is the
/// manifest's parent applies the release from the notification alone; anything forged,
/// tampered, replayed or truncated is counted and treated as an ordinary hint.
@Suite struct NodeFastPathTests {
    private func trustingConfiguration(_ fixture: NodeFixture, name: String, trust: TrustFile,
                                       poll: Duration = .seconds(60)) -> NodeConfiguration {
        var configuration = fixture.configuration(name: name, trustFile: trust.path, poll: poll)
        configuration.minSyncInterval = .milliseconds(10)
        return configuration
    }

    /// Lets notifications already sent reach the node (and the syncs they start finish).
    private func settle(_ running: RunningNode) async throws {
        try await running.waitUntil("LISTEN in place") { running.node.status.listening }
        try await Task.sleep(for: .milliseconds(150))
    }

    @Test func aSignedNotificationIsAppliedWithoutReadingTheDatabase() async throws {
        let fixture = try await NodeFixture.make()
        let key = SigningKey()
        let trust = try TrustFile([key])
        defer { trust.remove() }
        let first = try await fixture.pushSigned(["a": "fn v() = 1", "b": "import a\nfn w() = a.v() + 1"], by: [key])
        let trusting = RunningNode.start(trustingConfiguration(fixture, name: "fast", trust: trust))
        let plain = RunningNode.start(fixture.configuration(name: "plain"))
        try await trusting.waitFor(release: first)
        try await plain.waitFor(release: first)
        try await settle(trusting)
        try await settle(plain)
        let (fastReads, plainReads) = (trusting.node.status.headReads, plain.node.status.headReads)

        // Only `a` changes: `b` is compiled against it from the running release's source.
        let second = try await fixture.pushSigned(["a": "fn v() = 10"], by: [key], wakeup: .payload)
        try await trusting.waitFor(release: second)
        try await plain.waitFor(release: second)
        #expect(try callInt(trusting.node, "b", "w") == 11)
        #expect(try callInt(plain.node, "b", "w") == 11)
        #expect(trusting.node.status.fastPathApplies == 1)
        #expect(trusting.node.status.headReads == fastReads, "the fast path read the target")
        #expect(trusting.node.status.role == .stable)
        // A node without a trust policy reads, as before.
        try await plain.waitUntil("the plain node's read") { plain.node.status.headReads > plainReads }
        #expect(plain.node.status.fastPathApplies == 0)
        #expect(trusting.node.current?.entries == plain.node.current?.entries)
        // The next heartbeat reports it.
        let deadline = ContinuousClock.now + .seconds(5)
        var row: NodeStatusRow?
        while ContinuousClock.now < deadline, row?.appliedRelease != second {
            row = try await fixture.store.nodeStatuses().first { $0.name == "fast" }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(row?.appliedRelease == second)
        #expect(row?.appliedRole == .stable)
        await trusting.stop()
        await plain.stop()
        await fixture.close()
    }

    /// The store's signing push (`hotload push --sign`) sends the payload the node applies.
    @Test func aSigningPushOfTheStoreTakesTheFastPath() async throws {
        let fixture = try await NodeFixture.make()
        let key = SigningKey()
        let trust = try TrustFile([key])
        defer { trust.remove() }
        func push(_ modules: [String: String]) async throws -> Int64 {
            let files = modules.sorted { $0.key < $1.key }.map { ModuleFile(name: $0.key, path: $0.key + ".hl", text: $0.value) }
            let options = ReleaseOptions(author: "tests", message: "signed push", signingKeys: [key])
            return try #require(try await fixture.store.push(PushRequest(modules: files, options: options)).release)
        }
        let first = try await push(["a": "fn v() = 1", "b": "import a\nfn w() = a.v() + 1"])
        let running = RunningNode.start(trustingConfiguration(fixture, name: "fast", trust: trust))
        try await running.waitFor(release: first)
        try await settle(running)
        let reads = running.node.status.headReads
        // A read still under way from the start can meet the first release pushed; the
        // second then comes by its payload alone.
        let second = try await push(["a": "fn v() = 20", "b": "import a\nfn w() = a.v() + 1"])
        try await running.waitFor(release: second)
        let third = try await push(["a": "fn v() = 30", "b": "import a\nfn w() = a.v() + 1"])
        try await running.waitFor(release: third)
        #expect(try callInt(running.node, "b", "w") == 31)
        #expect(running.node.status.fastPathApplies >= 1)
        #expect(running.node.status.headReads == reads)
        await running.stop()
        await fixture.close()
    }

    /// A pinned node stays on its pin: the payload of the next stable release (whose parent
    /// it runs) is only a hint, and its read returns the pin.
    @Test func aPinnedNodeDoesNotTakeTheFastPath() async throws {
        let fixture = try await NodeFixture.make()
        let key = SigningKey()
        let trust = try TrustFile([key])
        defer { trust.remove() }
        let first = try await fixture.pushSigned(["m": "fn v() = 1"], by: [key])
        let running = RunningNode.start(trustingConfiguration(fixture, name: "pinned", trust: trust))
        try await running.waitFor(release: first)
        _ = try await fixture.store.pin(node: "pinned", release: first, ttlSeconds: 600)
        try await running.waitUntil("the pin read") { running.node.status.role == .pinned }
        let reads = running.node.status.headReads
        let second = try await fixture.pushSigned(["m": "fn v() = 2"], by: [key], wakeup: .payload)
        try await running.waitUntil("the hint's read") { running.node.status.headReads > reads }
        try await settle(running)
        #expect(running.node.current?.release == first)
        #expect(running.node.status.role == .pinned)
        #expect(running.node.status.fastPathApplies == 0)
        #expect(running.node.status.ignoredNotifications == 0)
        // Unpinned, the next read takes it to the stable release.
        _ = try await fixture.store.unpin(node: "pinned")
        try await running.waitFor(release: second)
        await running.stop()
        await fixture.close()
    }

    @Test func forgedTamperedTruncatedAndReplayedPayloadsAreIgnoredAndCounted() async throws {
        let fixture = try await NodeFixture.make()
        let key = SigningKey()
        let trust = try TrustFile([key])
        defer { trust.remove() }
        let first = try await fixture.pushSigned(["m": "fn v() = 1"], by: [key])
        let running = RunningNode.start(trustingConfiguration(fixture, name: "target", trust: trust))
        try await running.waitFor(release: first)
        try await settle(running)
        let reader = try await fixture.readerConnection()
        func send(_ payload: String) async throws {
            _ = try await reader.query("SELECT pg_notify($1, $2)", [.text(ReleaseNotification.channelName), .text(payload)])
        }
        /// Sends `payload` as the reader, waits until the node counted it ignored and until
        /// the read that the hint starts is over (so that the next release is not met by
        /// that read instead of its own payload), past the quiet interval that follows.
        func expectIgnored(_ payload: String, _ what: String) async throws {
            let before = running.node.status.ignoredNotifications
            let reads = running.node.status.headReads
            try await send(payload)
            try await running.waitUntil("\(what) counted") { running.node.status.ignoredNotifications == before + 1 }
            try await running.waitUntil("the read after \(what)") { running.node.status.headReads > reads }
            try await settle(running)
        }

        // A release the database holds but nobody trusted signed: the forger signs the
        // manifest of the next release id with a key of its own.
        let evil = ["m": "fn v() = 666"]
        let forgedManifest = try ReleaseManifest(channel: "main", release: Int(first) + 1, parent: Int(first),
                                                 modules: [ManifestEntry(module: "m", version: 2, sha256: SHA256Hex.of("fn v() = 666"))],
                                                 author: "tests", message: "forged")
        let forger = SigningKey()
        let forged = try #require(SignedReleasePayload(manifest: forgedManifest, signatures: [try forger.sign(forgedManifest)],
                                                       sources: evil).notificationPayload())
        try await expectIgnored(forged, "a payload signed by an unknown key")
        // A trusted signature over another manifest, carried with the forged one.
        let honest = try ReleaseManifest(channel: "main", release: Int(first) + 1, parent: Int(first),
                                         modules: [ManifestEntry(module: "m", version: 2, sha256: SHA256Hex.of("fn v() = 2"))],
                                         author: "tests", message: "honest")
        let tampered = try #require(SignedReleasePayload(manifest: forgedManifest, signatures: [try key.sign(honest)],
                                                         sources: evil).notificationPayload())
        try await expectIgnored(tampered, "a tampered payload")
        // Truncated: the base64 cut short (still a well-formed notification).
        let truncated = ReleaseNotification(payload: forged)!
        let cut = ReleaseNotification(channel: "main", release: truncated.release, signed: String(truncated.signed!.dropLast(12)))
        try await expectIgnored(cut.payload, "a truncated payload")
        #expect(running.node.current?.release == first)
        #expect(try callInt(running.node, "m", "v") == 1)
        #expect(running.node.status.fastPathApplies == 0)

        // The real next release, applied from its payload; then that payload replayed after a
        // newer release is ignored.
        let second = try await fixture.pushSigned(["m": "fn v() = 2"], by: [key], wakeup: .payload)
        try await running.waitFor(release: second)
        let secondPayload = try await fixture.signedPayload(of: second, by: [key], sources: ["m": "fn v() = 2"])
        let third = try await fixture.pushSigned(["m": "fn v() = 3"], by: [key], wakeup: .payload)
        try await running.waitFor(release: third)
        #expect(running.node.status.fastPathApplies == 2)
        try await expectIgnored(secondPayload, "a replayed payload")
        #expect(running.node.current?.release == third)

        // A genuine payload whose parent is not the node's release: counted, then read.
        let fourth = try await fixture.pushSigned(["m": "fn v() = 4"], by: [key], wakeup: .none)
        let fifth = try await fixture.pushSigned(["m": "fn v() = 5"], by: [key], wakeup: .none)
        let reads = running.node.status.headReads
        try await expectIgnored(try await fixture.signedPayload(of: fifth, by: [key], sources: ["m": "fn v() = 5"]),
                                "a payload over release \(fourth)")
        try await running.waitFor(release: fifth)
        #expect(running.node.status.headReads > reads)
        #expect(running.node.status.fastPathApplies == 2)
        #expect(try callInt(running.node, "m", "v") == 5)
        await reader.close()
        await running.stop()
        await fixture.close()
    }

    /// Fast path and read path side by side under load: the same releases in the same
    /// order, never a step back (a read that finishes after a fast-path apply is dropped),
    /// the same final snapshot, and no failed call.
    @Test func fastAndReadPathsAgreeUnderLoadWithCallsRunning() async throws {
        let fixture = try await NodeFixture.make()
        let key = SigningKey()
        let trust = try TrustFile([key])
        defer { trust.remove() }
        let first = try await fixture.pushSigned(["a": "fn v() = 0", "b": "import a\nfn w() = a.v() * 2"], by: [key])
        // Polling every 20 ms keeps reads running while payloads arrive.
        let fast = RunningNode.start(trustingConfiguration(fixture, name: "fast", trust: trust, poll: .milliseconds(20)))
        var plainConfiguration = fixture.configuration(name: "plain", poll: .milliseconds(20))
        plainConfiguration.minSyncInterval = .milliseconds(10)
        let plain = RunningNode.start(plainConfiguration)
        try await fast.waitFor(release: first)
        try await plain.waitFor(release: first)
        let load = Load()
        let stream = fast.node.events
        let recorder = Task {
            for await event in stream { if case .applied(let applied) = event { load.order.withLock { $0.append(applied.release) } } }
        }
        // On threads of their own: busy callers on the concurrency pool would starve the nodes.
        let callers = [fast.node, plain.node].map { node in
            Task {
                await onThread {
                    while !load.stop.load(ordering: .relaxed) {
                        usleep(50)
                        guard let release = node.current else { continue }
                        do {
                            let value = try release.call(module: "b", function: "w", args: [])
                            if case .int = value {} else { load.failures.add(1, ordering: .relaxed) }
                        } catch {
                            load.failures.add(1, ordering: .relaxed)
                        }
                        load.calls.add(1, ordering: .relaxed)
                    }
                }
            }
        }
        // Payloads race the 20 ms polls, and on a loaded machine the reads may win them all:
        // at least 15 releases, more (up to 60) until one went the fast path.
        var last = first
        var pushes = 0
        repeat {
            pushes += 1
            last = try await fixture.pushSigned(["a": "fn v() = \(pushes)"], by: [key], wakeup: .payload)
        } while pushes < 15 || (fast.node.status.fastPathApplies == 0 && pushes < 60)
        try await fast.waitFor(release: last)
        try await plain.waitFor(release: last)
        load.stop.store(true, ordering: .relaxed)
        for caller in callers { await caller.value }
        recorder.cancel()
        #expect(load.failures.load(ordering: .relaxed) == 0)
        #expect(load.calls.load(ordering: .relaxed) > 0)
        let applied = load.order.withLock { $0 }
        #expect(applied == applied.sorted() && Set(applied).count == applied.count, "applied out of order: \(applied)")
        #expect(fast.node.status.fastPathApplies > 0)
        #expect(fast.node.current?.entries == plain.node.current?.entries)
        #expect(try callInt(fast.node, "b", "w") == Int64(2 * pushes))
        #expect(try callInt(plain.node, "b", "w") == Int64(2 * pushes))
        await fast.stop()
        await plain.stop()
        await fixture.close()
    }

    /// What the load test's tasks share.
    private final class Load: Sendable {
        let order = Mutex<[Int64]>([])
        let stop = Atomic<Bool>(false)
        let failures = Atomic<Int>(0)
        let calls = Atomic<Int>(0)
    }
}
