import Foundation
import HotloadNode
import HotloadStore
import PQ
import Testing

/// Signed releases on the read path: a node with a trust file runs only releases whose
/// signatures verify and whose module set and sources match the signed manifest; it keeps
/// its last good release otherwise and says why (status, status row, events, counters).
@Suite struct NodeSigningTests {
    /// The node's row in `hotload.node_status` once it reports `release` refused.
    private func refusalRow(_ fixture: NodeFixture, node: String, release: Int64) async throws -> NodeStatusRow {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let row = try await fixture.store.nodeStatuses().first(where: { $0.name == node }), row.errorRelease == release {
                return row
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw FixtureError("the status row of \(node) never reported release \(release) refused")
    }

    /// Waits until the node reports `release` refused with `code`.
    private func waitForRefusal(_ running: RunningNode, _ release: Int64, code: String) async throws {
        try await running.waitUntil("release \(release) refused with \(code)") {
            let status = running.node.status
            return status.errorRelease == release && status.lastError?.code == code
        }
    }

    @Test func unsignedAndUnknownKeyReleasesAreRefusedByTrustingNodesAndAppliedByTheOthers() async throws {
        let fixture = try await NodeFixture.make()
        let key = SigningKey()
        let trust = try TrustFile([key])
        defer { trust.remove() }
        let first = try await fixture.pushSigned(["m": "fn v() = 1"], by: [key])
        let trusting = RunningNode.start(fixture.configuration(name: "trusting", trustFile: trust.path))
        let plain = RunningNode.start(fixture.configuration(name: "plain"))
        let events = EventLog(trusting.node)
        try await trusting.waitFor(release: first)
        try await plain.waitFor(release: first)

        let unsigned = try await fixture.push(["m": "fn v() = 2"])
        try await plain.waitFor(release: unsigned)
        try await waitForRefusal(trusting, unsigned, code: "too_few_signatures")
        #expect(trusting.node.current?.release == first)
        #expect(try callInt(trusting.node, "m", "v") == 1)
        #expect(trusting.node.status.lastError?.message.contains("unsigned") == true)
        let row = try await refusalRow(fixture, node: "trusting", release: unsigned)
        #expect(row.appliedRelease == first)
        #expect(row.lastError?.message.contains("(too_few_signatures)") == true)
        try await trusting.waitUntil("the refused event") {
            events.refused.contains { $0.release == unsigned && $0.kept == first && $0.errors.first?.code == "too_few_signatures" }
        }

        let stranger = SigningKey()
        let foreign = try await fixture.pushSigned(["m": "fn v() = 3"], by: [stranger])
        try await plain.waitFor(release: foreign)
        try await waitForRefusal(trusting, foreign, code: "unknown_key")
        #expect(trusting.node.status.lastError?.message.contains(stranger.keyID) == true)
        #expect(trusting.node.status.signatureRefusals == 2)
        #expect(trusting.node.current?.release == first)

        let signed = try await fixture.pushSigned(["m": "fn v() = 4"], by: [key])
        try await trusting.waitFor(release: signed)
        #expect(try callInt(trusting.node, "m", "v") == 4)
        #expect(trusting.node.status.errorRelease == nil)
        await trusting.stop()
        await plain.stop()
        await fixture.close()
    }

    /// What an attacker holding the database (superuser, triggers off) may change, and the
    /// refusal code each change meets.
    enum Tampering: String, CaseIterable, CustomTestStringConvertible {
        case sourceAndHash, sourceOnly, swappedChangeRows, addedModule
        var testDescription: String { rawValue }
    }

    @Test(arguments: Tampering.allCases)
    func aTamperedReleaseIsRefusedAndReported(_ tampering: Tampering) async throws {
        let fixture = try await NodeFixture.make()
        let key = SigningKey()
        let trust = try TrustFile([key])
        defer { trust.remove() }
        try await fixture.pushSigned(["a": "fn v() = 1", "b": "fn w() = 2"], by: [key])
        let head = try await fixture.pushSigned(["a": "fn v() = 10"], by: [key])
        let evil = "fn v() = 666"
        let evilHash = "encode(sha256(convert_to('\(evil)', 'UTF8')), 'hex')"
        let code: String
        switch tampering {
        case .sourceAndHash:
            try await fixture.tamper("""
                UPDATE hotload.revisions SET source = '\(evil)', sha256 = \(evilHash) WHERE module = 'a' AND version = 2;
                UPDATE hotload.channel_modules SET sha256 = \(evilHash) WHERE module = 'a';
                """)
            code = "bad_signature"
        case .sourceOnly:
            try await fixture.tamper("""
                ALTER TABLE hotload.revisions DROP CONSTRAINT revisions_sha256_matches_source;
                UPDATE hotload.revisions SET source = '\(evil)' WHERE module = 'a' AND version = 2;
                """)
            code = "source_hash_mismatch"
        case .swappedChangeRows:
            // The head's change of `a` now names the first release's revision.
            try await fixture.tamper("""
                UPDATE hotload.release_changes SET version = 1 WHERE release = \(head) AND module = 'a';
                UPDATE hotload.channel_modules SET version = 1,
                    sha256 = (SELECT sha256 FROM hotload.revisions WHERE module = 'a' AND version = 1) WHERE module = 'a';
                """)
            code = "bad_signature"
        case .addedModule:
            try await fixture.tamper("""
                INSERT INTO hotload.modules (name) VALUES ('evil');
                INSERT INTO hotload.revisions (module, version, source, sha256, author, message)
                    VALUES ('evil', 1, 'fn x() = 1', encode(sha256(convert_to('fn x() = 1', 'UTF8')), 'hex'), 'x', 'x');
                INSERT INTO hotload.release_changes (release, channel, module, version, action)
                    VALUES (\(head), 'main', 'evil', 1, 'add');
                INSERT INTO hotload.channel_modules (channel, module, version, sha256, release)
                    VALUES ('main', 'evil', 1, encode(sha256(convert_to('fn x() = 1', 'UTF8')), 'hex'), \(head));
                """)
            code = "bad_signature"
        }
        let trusting = RunningNode.start(fixture.configuration(name: "trusting", trustFile: trust.path))
        let events = EventLog(trusting.node)
        try await waitForRefusal(trusting, head, code: code)
        #expect(trusting.node.current == nil)
        #expect(trusting.node.status.signatureRefusals == 1)
        let row = try await refusalRow(fixture, node: "trusting", release: head)
        #expect(row.lastError?.message.contains("(\(code))") == true)
        try await trusting.waitUntil("the refused event") {
            events.refused.contains { $0.release == head && $0.errors.first?.code == code }
        }
        // A node without a trust file runs what the database says.
        let plain = RunningNode.start(fixture.configuration(name: "plain"))
        try await plain.waitFor(release: head)
        await trusting.stop()
        await plain.stop()
        await fixture.close()
    }

    @Test func keysRotateWithoutARestart() async throws {
        let fixture = try await NodeFixture.make()
        let (old, new) = (SigningKey(), SigningKey())
        let trust = try TrustFile([old])
        defer { trust.remove() }
        let first = try await fixture.pushSigned(["m": "fn v() = 1"], by: [old])
        let running = RunningNode.start(fixture.configuration(name: "rotating", trustFile: trust.path))
        try await running.waitFor(release: first)

        // Removing a key takes effect for the next release (the file is checked before each apply).
        try trust.write([new])
        let byOld = try await fixture.pushSigned(["m": "fn v() = 2"], by: [old])
        try await waitForRefusal(running, byOld, code: "unknown_key")
        #expect(running.node.current?.release == first)
        let byNew = try await fixture.pushSigned(["m": "fn v() = 3"], by: [new])
        try await running.waitFor(release: byNew)

        // A release refused for its signatures is evaluated again after a reload: at once
        // with reloadTrust (SIGHUP in the sidecar)...
        try trust.write([old])
        let pending = try await fixture.pushSigned(["m": "fn v() = 4"], by: [new])
        try await waitForRefusal(running, pending, code: "unknown_key")
        try trust.write([old, new])
        try running.node.reloadTrust()
        try await running.waitFor(release: pending)

        // ... and by the change check alone, within about a second.
        try trust.write([old])
        let later = try await fixture.pushSigned(["m": "fn v() = 5"], by: [new])
        try await waitForRefusal(running, later, code: "unknown_key")
        try trust.write([new])
        try await running.waitFor(release: later, timeout: .seconds(5))

        // An unusable file keeps the keys in force and says why.
        chmod(trust.path, 0o666)
        #expect(throws: TrustReloadError.self) { try running.node.reloadTrust() }
        #expect(running.node.status.trustError?.contains("written by group or others") == true)
        let still = try await fixture.pushSigned(["m": "fn v() = 6"], by: [new])
        try await running.waitFor(release: still)
        try trust.write(Data("{\"version\": 1".utf8))
        #expect(throws: TrustReloadError.self) { try running.node.reloadTrust() }
        #expect(running.node.status.trustError?.contains("not a valid trust file") == true)
        try trust.write([new])
        try running.node.reloadTrust()
        #expect(running.node.status.trustError == nil)
        await running.stop()
        await fixture.close()
    }

    @Test func aThresholdOfTwoNeedsTwoDistinctTrustedKeys() async throws {
        let fixture = try await NodeFixture.make()
        let (alice, bob) = (SigningKey(), SigningKey())
        let trust = try TrustFile([alice, bob], threshold: 2)
        defer { trust.remove() }
        let first = try await fixture.pushSigned(["m": "fn v() = 1"], by: [alice, bob])
        let running = RunningNode.start(fixture.configuration(name: "two-of-two", trustFile: trust.path))
        try await running.waitFor(release: first)
        let half = try await fixture.pushSigned(["m": "fn v() = 2"], by: [alice])
        try await waitForRefusal(running, half, code: "too_few_signatures")
        let both = try await fixture.pushSigned(["m": "fn v() = 3"], by: [bob, alice])
        try await running.waitFor(release: both)
        #expect(running.node.status.signatureRefusals == 1)
        await running.stop()
        await fixture.close()
    }

    @Test func anUnusableTrustFileStopsTheStart() async throws {
        let fixture = try await NodeFixture.make()
        let trust = try TrustFile([SigningKey()])
        defer { trust.remove() }
        chmod(trust.path, 0o664)
        let foreign = trust.directory + "/foreign.json"
        try FileManager.default.copyItem(atPath: trust.path, toPath: foreign)
        chmod(foreign, 0o644)
        chown(foreign, 65534, 65534)
        #expect(geteuid() != 65534)
        for (path, reason) in [(trust.path, "written by group or others"), (trust.directory, "not a regular file"),
                               (trust.directory + "/missing.json", "no such file"),
                               (foreign, "belongs to another user (uid 65534)")] {
            let node = Node(configuration: fixture.configuration(name: "untrusting", trustFile: path))
            let error = await #expect(throws: NodeStartError.self) { try await node.run() }
            #expect(error?.code == .trustFile)
            #expect(error?.message.contains(reason) == true, "\(error?.message ?? "")")
            #expect(error?.message.contains(path) == true)
        }
        await fixture.close()
    }

    @Test func theOfflineCacheIsVerifiedWhenLoaded() async throws {
        let fixture = try await NodeFixture.make()
        let key = SigningKey()
        let trust = try TrustFile([key])
        defer { trust.remove() }
        let signedCache = FileManager.default.temporaryDirectory.appendingPathComponent("hotload-cache-\(UUID().uuidString)").path
        let plainCache = signedCache + "-plain"
        defer {
            try? FileManager.default.removeItem(atPath: signedCache)
            try? FileManager.default.removeItem(atPath: plainCache)
        }
        let signed = try await fixture.pushSigned(["m": "fn v() = 1"], by: [key])
        let online = RunningNode.start(fixture.configuration(name: "cached", trustFile: trust.path, cache: signedCache))
        try await online.waitFor(release: signed)
        await online.stop()
        let unsigned = try await fixture.push(["m": "fn v() = 2"])
        let plain = RunningNode.start(fixture.configuration(name: "plain", cache: plainCache))
        try await plain.waitFor(release: unsigned)
        await plain.stop()

        func offline(_ cache: String, trusting: Bool) -> NodeConfiguration {
            var configuration = trusting ? fixture.configuration(name: "offline", trustFile: trust.path, cache: cache)
                                         : fixture.configuration(name: "offline", cache: cache)
            configuration.database = "postgresql://127.0.0.1:1/nothing"
            configuration.connectTimeout = .seconds(1)
            return configuration
        }
        /// Starts a node that must refuse its cache, so its start fails.
        func refusedStart(_ cache: String) async -> (Node, CollectedLog, (any Error)?) {
            let log = CollectedLog()
            let node = Node(configuration: offline(cache, trusting: true), logger: log.logger("offline"))
            do {
                try await node.run()
                return (node, log, nil)
            } catch {
                return (node, log, error)
            }
        }

        // Signed and verified: served (stale).
        let served = RunningNode.start(offline(signedCache, trusting: true))
        try await served.waitUntil("the cached release served") { served.node.current?.release == signed }
        #expect(served.node.current?.stale == true)
        await served.stop()
        // Unsigned: a node with the trust file refuses it, with a clear log line...
        let (refused, log, refusedError) = await refusedStart(plainCache)
        #expect(refused.current == nil)
        #expect((refusedError as? NodeStartError)?.code == .database)
        #expect(log.text.contains("the cached release \(unsigned) does not verify under the trust policy"), "\(log.text)")
        #expect(log.text.contains("too_few_signatures"))
        // ... a node without one serves it.
        let loose = RunningNode.start(offline(plainCache, trusting: false))
        try await loose.waitUntil("the unsigned cached release served") { loose.node.current?.release == unsigned }
        await loose.stop()

        // A cached signed release whose message was edited no longer verifies.
        let file = signedCache + "/main.release.json"
        let text = try String(contentsOfFile: file, encoding: .utf8)
        try text.replacingOccurrences(of: "\"message\":\"signed\"", with: "\"message\":\"edited\"")
            .write(toFile: file, atomically: false, encoding: .utf8)
        #expect(try String(contentsOfFile: file, encoding: .utf8) != text)
        let (edited, editedLog, _) = await refusedStart(signedCache)
        #expect(edited.current == nil)
        #expect(editedLog.text.contains("bad_signature"), "\(editedLog.text)")
        await fixture.close()
    }
}
