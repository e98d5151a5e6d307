import Foundation
import HotloadStore
import PostgresHarness
import PQ
import Testing

/// Issue 11, the store's side of signed releases: a signing push (and rm and rollback)
/// stores signatures over the release's manifest in the transaction that creates it;
/// `verify` checks stored history against a trust policy and names each release that a
/// superuser tampered with (triggers disabled); signing and key registration are refused
/// as the database says.
@Suite struct SignedReleaseTests {
    static let alice = try! SigningKey(seed: Array(repeating: 1, count: 32))
    static let bob = try! SigningKey(seed: Array(repeating: 2, count: 32))

    static func trust(_ keys: SigningKey..., threshold: Int = 1) throws -> TrustPolicy {
        try TrustPolicy(keys: keys.map(\.publicKey), threshold: threshold)
    }

    static func signed(_ message: String = "test", channel: String = "main", keys: [SigningKey] = [alice]) -> ReleaseOptions {
        var options = options(message, channel: channel)
        options.signingKeys = keys
        return options
    }

    /// The failure codes of each failing release.
    static func failures(_ report: VerificationReport) -> [Int64: Set<String>] {
        var out: [Int64: Set<String>] = [:]
        for result in report.failed { out[result.release] = Set(result.failures.map(\.code.rawValue)) }
        return out
    }

    @Test func aSignedPushStoresASignatureOverTheDocumentedManifest() async throws {
        let (store, _) = try await freshStore()
        defer { Task { await store.connection.close() } }
        let a = module("a", "fn one() = 1\n")
        let b = module("b", "import a\nfn two() = a.one() + 1\n")
        let first = try await store.push([a, b], Self.signed("first"))
        #expect(first.signers == [Self.alice.keyID])
        let r1 = try #require(first.release)
        let second = try await store.push([module("a", "fn one() = 10\n"), b], Self.signed("second"))
        let r2 = try #require(second.release)

        // The signature covers the manifest the issue specifies, built here independently:
        // every module (not only the change), its version and hash, the parent, author, message.
        let manifest = try ReleaseManifest(
            channel: "main", release: Int(r2), parent: Int(r1),
            modules: [ManifestEntry(module: "a", version: 2, sha256: module("a", "fn one() = 10\n").sha256),
                      ManifestEntry(module: "b", version: 1, sha256: b.sha256)],
            author: "tester", message: "second")
        let rows = try await store.connection.query(
            "SELECT key_id, encode(signature, 'hex') AS s, db_role FROM hotload.release_signatures WHERE release = $1",
            [.int(r2)])
        try #require(rows.count == 1)
        #expect(try rows[0].decode("key_id", as: String.self) == Self.alice.keyID)
        let signature = try rows[0].decode("s", as: String.self)
        let bytes = stride(from: 0, to: signature.count, by: 2).map {
            UInt8(signature.dropFirst($0).prefix(2), radix: 16)!
        }
        #expect(Self.alice.publicKey.isValidSignature(bytes, for: manifest))

        let report = try await store.verify(.channel("main"), trust: Self.trust(Self.alice))
        #expect(report.isVerified, "\(report.failed)")
        #expect(report.releases.map(\.release) == [r1, r2])
        #expect(report.releases.allSatisfy { $0.signers == [Self.alice.keyID] })

        // Two keys sign together; a threshold of 2 then holds.
        let both = try await store.push([module("a", "fn one() = 11\n"), b], Self.signed(keys: [Self.alice, Self.bob]))
        #expect(both.signers == [Self.alice.keyID, Self.bob.keyID].sorted())
        let head = try await store.verify(.head(channel: "main"), trust: Self.trust(Self.alice, Self.bob, threshold: 2))
        let bothRelease = try #require(both.release)
        #expect(head.isVerified && head.releases.map(\.release) == [bothRelease])

        // A dry run signs nothing and writes nothing.
        let dry = try await store.push([module("a", "fn one() = 12\n"), b], {
            var o = Self.signed(); o.dryRun = true; return o
        }())
        #expect(dry.signers.isEmpty && dry.release == nil)
        #expect(try await store.count("SELECT count(*) AS n FROM hotload.release_signatures") == 4)
    }

    /// The one notification a release sends.
    static func notification(_ listener: Connection) async throws -> ReleaseNotification {
        var received: [PQNotification] = []
        let deadline = ContinuousClock.now + .seconds(5)
        while received.isEmpty, ContinuousClock.now < deadline {
            received += try await listener.waitForNotifications(timeout: .milliseconds(500))
        }
        received += try await listener.waitForNotifications(timeout: .milliseconds(100))
        try #require(received.count == 1, "\(received)")
        return try #require(ReleaseNotification(payload: received[0].payload), "\(received[0].payload)")
    }

    /// A signing push's one NOTIFY carries the signed release: the manifest (the full module
    /// set), verifiable signatures and the source of every module the release changed
    /// (rollbacks' sources read from the revisions); an unsigned release, or one too large
    /// to fit, gets the plain wake-up.
    @Test func aSigningPushNotifiesWithTheSignedRelease() async throws {
        let (store, url) = try await freshStore()
        defer { Task { await store.connection.close() } }
        let listener = try await Connection.connect(ConnectionConfiguration(url))
        defer { Task { await listener.close() } }
        try await listener.listen(ReleaseNotification.channelName)
        let policy = try Self.trust(Self.alice)
        let a1 = "fn one() = 1\n", b1 = "fn two() = 2\n"

        func signedPayload(_ release: Int64?) async throws -> SignedReleasePayload {
            let notification = try await Self.notification(listener)
            #expect(notification.release == release)
            let payload = try SignedReleasePayload(notification)
            #expect(try policy.verify(manifest: payload.manifest, signatures: payload.signatures) == [Self.alice.keyID])
            #expect(payload.manifest.modules == (try await store.release(try #require(release)).modules))
            return payload
        }

        let first = try await store.push([module("a", a1), module("b", b1)], Self.signed())
        #expect(try await signedPayload(first.release).sources == ["a": a1, "b": b1])
        let second = try await store.push([module("a", "fn one() = 3\n"), module("b", b1)], Self.signed())
        let modified = try await signedPayload(second.release)
        #expect(modified.sources == ["a": "fn one() = 3\n"] && modified.manifest.modules.count == 2)
        let rolledBack = try await store.rollback(module: "a", to: 1, options: Self.signed())
        #expect(try await signedPayload(rolledBack.release).sources == ["a": a1])
        let removed = try await store.remove(["b"], options: Self.signed())
        let afterRemove = try await signedPayload(removed.release)
        #expect(afterRemove.sources.isEmpty && afterRemove.manifest.modules.map(\.module) == ["a"])

        let unsigned = try await store.push([module("a", "fn one() = 4\n")])
        #expect(try await Self.notification(listener) == ReleaseNotification(channel: "main", release: try #require(unsigned.release)))
        // Random text does not compress: 12 kB of it cannot fit.
        let large = "fn big() = \"" + (0..<6000).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined() + "\"\n"
        let big = try await store.push([module("a", "fn one() = 4\n"), module("big", large)], Self.signed())
        #expect(big.signers == [Self.alice.keyID])
        #expect(try await Self.notification(listener) == ReleaseNotification(channel: "main", release: try #require(big.release)))
    }

    @Test func rmAndRollbackSignToo() async throws {
        let (store, _) = try await freshStore()
        defer { Task { await store.connection.close() } }
        let r1 = try #require(try await store.push([module("a", "fn one() = 1\n"), module("b", "fn two() = 2\n")],
                                                    Self.signed()).release)
        try await store.push([module("a", "fn one() = 3\n"), module("b", "fn two() = 2\n")], Self.signed())
        let removed = try await store.remove(["b"], options: Self.signed("rm"))
        let rolledBack = try await store.rollback(module: "a", to: 1, options: Self.signed("rollback a"))
        let whole = try await store.rollback(release: r1, options: Self.signed("rollback r1"))
        for result in [removed, rolledBack, whole] {
            #expect(result.signers == [Self.alice.keyID], "\(result.changes)")
        }
        let report = try await store.verify(.channel("main"), trust: Self.trust(Self.alice))
        #expect(report.isVerified, "\(report.failed)")
        #expect(report.releases.count == 5)
        // The rollback to r1 restores its module set: its manifest lists both modules again.
        let detail = try await store.release(try #require(whole.release))
        #expect(detail.modules.map(\.module) == ["a", "b"])
        #expect(detail.record.signatures.map(\.keyID) == [Self.alice.keyID])
    }

    @Test func logAndReleaseSayWhoSigned() async throws {
        let (store, _) = try await freshStore()
        defer { Task { await store.connection.close() } }
        let unsigned = try #require(try await store.push([module("a", "fn one() = 1\n")]).release)
        let signed = try #require(try await store.push([module("a", "fn one() = 2\n")],
                                                        Self.signed(keys: [Self.alice, Self.bob])).release)
        #expect(try await store.registerKey(Self.alice.publicKey, owner: "alice") == Self.alice.keyID)
        let log = try await store.log()
        #expect(log.map(\.release) == [signed, unsigned])
        #expect(log[1].signatures.isEmpty)
        #expect(log[0].signatures.map(\.keyID) == [Self.alice.keyID, Self.bob.keyID].sorted())
        #expect(log[0].signatures.first { $0.keyID == Self.alice.keyID }?.owner == "alice")
        #expect(log[0].signatures.first { $0.keyID == Self.bob.keyID }.map { $0.owner == nil } == true)
        let role = try await store.connection.query("SELECT session_user::text AS u")[0].decode("u", as: String.self)
        #expect(log[0].signatures.allSatisfy { $0.databaseRole == role })
        #expect(try await store.release(signed).record.signatures == log[0].signatures)
        #expect(try await store.signatures(of: [signed, unsigned])[signed] == log[0].signatures)
    }

    @Test func unsignedAndUnknownKeyReleasesFailVerification() async throws {
        let (store, _) = try await freshStore()
        defer { Task { await store.connection.close() } }
        let unsigned = try #require(try await store.push([module("a", "fn one() = 1\n")]).release)
        let unknown = try #require(try await store.push([module("a", "fn one() = 2\n")], Self.signed(keys: [Self.bob])).release)
        let good = try #require(try await store.push([module("a", "fn one() = 3\n")], Self.signed()).release)
        let report = try await store.verify(.all, trust: Self.trust(Self.alice))
        #expect(Self.failures(report) == [unsigned: ["unsigned"], unknown: ["unknown_key"]])
        #expect(report.failed.first { $0.release == unknown }?.failures.first?.keyID == Self.bob.keyID)
        #expect(report.releases.first { $0.release == good }?.isVerified == true)
        // A threshold of two is not met by one trusted key.
        let strict = try await store.verify(.release(good), trust: Self.trust(Self.alice, Self.bob, threshold: 2))
        #expect(Self.failures(strict) == [good: ["too_few_signatures"]])
    }

    /// Each tampering on a channel of its own, as the test superuser with triggers (and so
    /// foreign keys and the append-only guards) disabled; `verify` names exactly the
    /// releases whose stored content no longer matches what was signed.
    @Test func verifyNamesEachReleaseTamperedWithTriggersDisabled() async throws {
        let (store, _) = try await freshStore()
        defer { Task { await store.connection.close() } }
        let policy = try Self.trust(Self.alice)
        // Per channel C: r1 adds C_x and C_y, r2 modifies C_x, r3 modifies C_y.
        var ids: [String: [Int64]] = [:]
        for channel in ["hash", "source", "swap", "added", "sig", "parent", "gone", "cache"] {
            let x = "\(channel)_x", y = "\(channel)_y"
            var releases: [Int64] = []
            for (vx, vy) in [(1, 1), (2, 1), (2, 2)] {
                let result = try await store.push([module(x, "fn f() = \(vx)\n"), module(y, "fn g() = \(vy)\n")],
                                                  Self.signed(channel: channel))
                releases.append(try #require(result.release))
            }
            ids[channel] = releases
        }
        #expect(try await store.verify(.all, trust: policy).isVerified)

        let tables = ["revisions", "release_changes", "release_signatures", "releases", "modules", "channel_modules"]
        for table in tables { try await store.connection.execute("ALTER TABLE hotload.\(table) DISABLE TRIGGER ALL") }
        let evil = "fn f() = 666\n"
        let evilHash = module("x", evil).sha256
        // A revision's source and its hash, changed together: the releases running it fail.
        try await store.connection.execute(
            "UPDATE hotload.revisions SET source = $1, sha256 = $2 WHERE module = 'hash_x' AND version = 2",
            [.text(evil), .text(evilHash)])
        // The source alone: its hash no longer matches (the superuser drops the CHECK that
        // would refuse it).
        try await store.connection.execute("ALTER TABLE hotload.revisions DROP CONSTRAINT revisions_sha256_matches_source")
        try await store.connection.execute(
            "UPDATE hotload.revisions SET source = $1 WHERE module = 'source_x' AND version = 2", [.text(evil)])
        // r2's change and r3's change swap releases: r2 now runs swap_y v2 and not swap_x v2;
        // r3 ends with the same module set as before.
        let swap = ids["swap"]!
        try await store.connection.execute("""
            UPDATE hotload.release_changes SET release = CASE release WHEN \(swap[1]) THEN \(swap[2]) ELSE \(swap[1]) END
            WHERE release IN (\(swap[1]), \(swap[2]))
            """)
        // A module added to r2 (a new module with its revision).
        let added = ids["added"]!
        try await store.connection.execute("INSERT INTO hotload.modules (name, latest_version) VALUES ('added_z', 1)")
        try await store.connection.execute(
            "INSERT INTO hotload.revisions (module, version, source, sha256, author, message) VALUES ('added_z', 1, $1, $2, 'x', 'x')",
            [.text(evil), .text(evilHash)])
        try await store.connection.execute(
            "INSERT INTO hotload.release_changes (release, channel, module, version, action) VALUES (\(added[1]), 'added', 'added_z', 1, 'add')")
        // A signature deleted.
        try await store.connection.execute("DELETE FROM hotload.release_signatures WHERE release = \(ids["sig"]![2])")
        // A revision deleted from under the release that runs it.
        try await store.connection.execute("DELETE FROM hotload.revisions WHERE module = 'gone_y' AND version = 2")
        // What nodes load for a head (the cache a trigger keeps) pointed at an older version.
        try await store.connection.execute("""
            UPDATE hotload.channel_modules SET version = 1, sha256 = $1 WHERE channel = 'cache' AND module = 'cache_x'
            """, [.text(module("x", "fn f() = 1\n").sha256)])
        // A release re-parented.
        try await store.connection.execute("UPDATE hotload.releases SET parent = NULL WHERE id = \(ids["parent"]![1])")
        for table in tables { try await store.connection.execute("ALTER TABLE hotload.\(table) ENABLE TRIGGER ALL") }

        let report = try await store.verify(.all, trust: policy)
        let expected: [Int64: Set<String>] = [
            // At the head, the cache nodes load (left as it was) no longer matches history either.
            ids["hash"]![1]: ["bad_signature"], ids["hash"]![2]: ["bad_signature", "head_cache"],
            ids["source"]![1]: ["source_hash"], ids["source"]![2]: ["source_hash"],
            swap[1]: ["bad_signature"],
            added[1]: ["bad_signature"], added[2]: ["bad_signature", "head_cache"],
            ids["sig"]![2]: ["unsigned"],
            ids["parent"]![1]: ["parent_link", "bad_signature"],
            ids["gone"]![2]: ["missing_revision", "bad_signature"],
            ids["cache"]![2]: ["head_cache"],
        ]
        #expect(Self.failures(report) == expected)
        #expect(report.releases.count == 24)
        let sourceFailure = report.failed.first { $0.release == ids["source"]![1] }?.failures.first
        #expect(sourceFailure?.module == "source_x")
        #expect(sourceFailure?.message.contains("source_x v2") == true, "\(String(describing: sourceFailure))")
        // One release or one channel gives the same verdicts for it.
        #expect(Self.failures(try await store.verify(.release(swap[1]), trust: policy)) == [swap[1]: ["bad_signature"]])
        #expect(try await store.verify(.channel("swap"), trust: policy).releases.count == 3)
        // The release cannot be shown as if it were whole.
        await #expect { try await store.release(ids["gone"]![2]) } throws: {
            ($0 as? StoreError)?.message.contains("lists module gone_y v2, which has no revision") == true
        }
    }

    @Test func theDatabaseRefusesASecondSignatureByAKeyLateSignaturesAndAKeyUnderTwoOwners() async throws {
        let (store, _) = try await freshStore()
        defer { Task { await store.connection.close() } }
        // The same key twice in one push: the database refuses the second signature and
        // the whole push is rolled back.
        await #expect { try await store.push([module("a", "fn one() = 1\n")], Self.signed(keys: [Self.alice, Self.alice])) }
            throws: { ($0 as? StoreError)?.code == .alreadySigned }
        #expect(try await store.count("SELECT count(*) AS n FROM hotload.releases") == 0)

        // Only the push that creates a release signs it: a later signature, even by a key
        // that has not signed it (a junk one would make nodes refuse the release), is refused.
        let release = try #require(try await store.push([module("a", "fn one() = 1\n")], Self.signed()).release)
        for key in [Self.alice, Self.bob] {
            do {
                _ = try await store.connection.query(
                    "SELECT hotload.release_sign($1, ARRAY[$2], ARRAY[$3], NULL)",
                    [.int(release), .text(key.keyID), .text(String(repeating: "ab", count: 64))])
                Issue.record("a signature was attached to an existing release")
            } catch {
                #expect(error.sqlState == "HL024")
            }
        }
        #expect(try await store.count("SELECT count(*) AS n FROM hotload.release_signatures") == 1)

        try await store.registerKey(Self.alice.publicKey, owner: "alice")
        try await store.registerKey(Self.alice.publicKey, owner: "alice")
        await #expect { try await store.registerKey(Self.alice.publicKey, owner: "mallory") } throws: { error in
            guard let error = error as? StoreError else { return false }
            return error.code == .keyOwnerConflict && error.owner == "alice" && error.keyID == Self.alice.keyID
                && error.message.contains("registered to alice")
        }
        await #expect { try await store.registerKey(Self.bob.publicKey, owner: "") } throws: {
            ($0 as? StoreError)?.code == .invalidRequest
        }
    }

    @Test func verificationFailureCodesAreStable() {
        let codes: [(VerificationFailure.Code, String)] = [
            (.unsigned, "unsigned"), (.unknownKey, "unknown_key"), (.badSignature, "bad_signature"),
            (.tooFewSignatures, "too_few_signatures"), (.sourceHash, "source_hash"),
            (.missingRevision, "missing_revision"), (.invalidManifest, "invalid_manifest"), (.parentLink, "parent_link"),
            (.headCache, "head_cache"),
        ]
        for (code, raw) in codes { #expect(code.rawValue == raw) }
        // The signature codes are the signing layer's.
        #expect(VerificationFailure.Code.unknownKey.rawValue == SigningError.Code.unknownKey.rawValue)
        #expect(VerificationFailure.Code.badSignature.rawValue == SigningError.Code.badSignature.rawValue)
        #expect(VerificationFailure.Code.tooFewSignatures.rawValue == SigningError.Code.tooFewSignatures.rawValue)
    }

    @Test func onlyPushersMaySignOrRegisterKeysAndReadersMayVerify() async throws {
        let (store, dbURL) = try await freshStore()
        defer { Task { await store.connection.close() } }
        let release = try #require(try await store.push([module("a", "fn one() = 1\n")]).release)
        let role = uniqueRoleName("reader")
        try await store.connection.execute("CREATE ROLE \(role) LOGIN IN ROLE hotload_reader")
        let reader = try await Store.connect(ConnectionConfiguration(url(dbURL, user: role)))
        defer { Task { await reader.connection.close() } }
        await #expect { try await reader.registerKey(Self.alice.publicKey, owner: "alice") } throws: { error in
            guard let error = error as? StoreError else { return false }
            return error.code == .permissionDenied && error.role == .pusher
        }
        do {
            _ = try await reader.connection.query(
                "SELECT hotload.release_sign($1, ARRAY[$2], ARRAY[$3], NULL)",
                [.int(release), .text(Self.alice.keyID), .text(String(repeating: "ab", count: 64))])
            Issue.record("a reader signed a release")
        } catch {
            #expect(error.sqlState == "42501")
        }
        // Reading signatures and verifying need no more than hotload_reader.
        let signed = try #require(try await store.push([module("a", "fn one() = 2\n")], Self.signed()).release)
        #expect(try await reader.log().first?.signatures.map(\.keyID) == [Self.alice.keyID])
        let report = try await reader.verify(.all, trust: Self.trust(Self.alice))
        #expect(Self.failures(report) == [release: ["unsigned"]] && report.releases.map(\.release) == [release, signed])
        // Neither function is executable by PUBLIC (a NULL ACL would mean it is).
        #expect(try await store.count("""
            SELECT count(*) AS n FROM pg_proc p
            WHERE p.pronamespace = 'hotload'::regnamespace AND p.proname IN ('release_sign', 'key_register')
              AND (p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a
                                               WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE'))
            """) == 0)
        #expect(try await store.count("""
            SELECT count(*) AS n FROM pg_proc p
            WHERE p.pronamespace = 'hotload'::regnamespace AND p.proname IN ('release_sign', 'key_register')
            """) == 2)
    }
}
