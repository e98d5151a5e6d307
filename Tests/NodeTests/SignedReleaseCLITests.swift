import Foundation
import HotloadStore
import PQ
import Testing

/// Issue 11 through the binary: `push`/`rm`/`rollback --sign` (and `HOTLOAD_SIGNING_KEY`),
/// `key register`, `log` and `show --release` naming the signer, `verify` passing on clean
/// history and naming each tampered release, and bad key files, trust files and flags
/// refused before connecting.
@Suite struct SignedReleaseCLITests {
    static let unreachable = ["HOTLOAD_DATABASE_URL": "host=127.0.0.1 port=1 dbname=x connect_timeout=2"]

    /// A scratch directory with two key files (`a.key`, `b.key`), a trust file of `a.key`
    /// (`trust.json`) and a module directory (`rules/`).
    struct Scratch {
        let directory: URL
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

        static func make() async throws -> Scratch {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("signed-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("rules"),
                                                    withIntermediateDirectories: true)
            let scratch = Scratch(directory: directory)
            for key in ["a.key", "b.key"] { try SigningKey().write(toNewFile: scratch.path(key)) }
            let (status, trust) = try await runHotload(["key", "trust", scratch.path("a.key")], timeout: .seconds(20))
            try #require(status == 0, "\(trust)")
            try Data(trust.utf8).write(to: directory.appendingPathComponent("trust.json"))
            return scratch
        }

        func write(_ module: String, _ text: String) throws {
            try Data(text.utf8).write(to: directory.appendingPathComponent("rules/\(module).hl"))
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    @Test(.timeLimit(.minutes(2))) func signedReleasesShowTheirSignerAndVerify() async throws {
        let fixture = try await NodeFixture.make()
        defer { Task { await fixture.close() } }
        let scratch = try await Scratch.make()
        defer { scratch.remove() }
        let db = ["--database", fixture.url]
        let keyA = try SigningKey(contentsOf: scratch.path("a.key"))
        let short = String(keyA.keyID.prefix(16))

        try scratch.write("a", "fn one() = 1\n")
        try scratch.write("b", "fn two() = 2\n")
        var (status, output) = try await runHotload(["push", scratch.path("rules"), "--sign", scratch.path("a.key"), "-m", "first"] + db)
        #expect(status == 0, "\(output)")
        #expect(output.contains("signed by key \(short)"), "\(output)")
        // rm signs with the key named by HOTLOAD_SIGNING_KEY; rollback with --sign.
        (status, output) = try await runHotload(["rm", "b"] + db, environment: ["HOTLOAD_SIGNING_KEY": scratch.path("a.key")])
        #expect(status == 0, "\(output)")
        (status, output) = try await runHotload(["rollback", "--release", "1", "--sign", scratch.path("a.key")] + db)
        #expect(status == 0, "\(output)")
        // An unsigned push.
        try scratch.write("a", "fn one() = 5\n")
        (status, output) = try await runHotload(["push", scratch.path("rules")] + db, environment: ["HOTLOAD_SIGNING_KEY": ""])
        #expect(status == 0, "\(output)")

        (status, output) = try await runHotload(["log"] + db)
        #expect(status == 0, "\(output)")
        #expect(output.components(separatedBy: "signed by key \(short)").count == 4, "\(output)")
        #expect(output.contains("    unsigned"), "\(output)")

        (status, output) = try await runHotload(["key", "register", scratch.path("a.key"), "--owner", "alice"] + db)
        #expect(status == 0 && output.contains("registered key \(keyA.keyID) to alice"), "\(output)")
        (status, output) = try await runHotload(["key", "register", scratch.path("a.key"), "--owner", "mallory"] + db)
        #expect(status == 1 && output.contains("is registered to alice"), "\(output)")

        (status, output) = try await runHotload(["log", "--json", "-n", "2"] + db)
        #expect(status == 0, "\(output)")
        struct Entry: Decodable {
            struct Signature: Decodable { let key_id: String; let owner: String? }
            let release: Int64
            let signatures: [Signature]
        }
        let entries = try JSONDecoder().decode([Entry].self, from: Data(output.utf8))
        #expect(entries.map(\.release) == [4, 3])
        #expect(entries[0].signatures.isEmpty)
        #expect(entries[1].signatures.map(\.key_id) == [keyA.keyID] && entries[1].signatures.map(\.owner) == ["alice"])

        (status, output) = try await runHotload(["show", "--release", "3"] + db)
        #expect(status == 0, "\(output)")
        #expect(output.contains("signed by:") && output.contains("alice (key \(short))"), "\(output)")
        #expect(output.contains("modules (2):") && output.contains("    b v1  "), "\(output)")
        (status, output) = try await runHotload(["show", "--release", "4"] + db)
        #expect(status == 0 && output.contains("\nunsigned\n"), "\(output)")
        (status, output) = try await runHotload(["show", "--release", "3", "--json"] + db)
        struct Shown: Decodable {
            struct Module: Decodable { let module: String; let version: Int; let sha256: String }
            let release: Int64
            let parent: Int64?
            let modules: [Module]
            let signatures: [Entry.Signature]
        }
        let shown = try JSONDecoder().decode(Shown.self, from: Data(output.utf8))
        #expect(shown.release == 3 && shown.parent == 2 && shown.modules.map(\.module) == ["a", "b"])
        #expect(shown.signatures.map(\.owner) == ["alice"])
        // The module form still prints source as stored.
        (status, output) = try await runHotload(["show", "b", "--release", "3"] + db)
        #expect(status == 0 && output == "fn two() = 2\n", "\(output)")

        // Releases 1-3 verify; 4 is unsigned.
        (status, output) = try await runHotload(["verify", "--release", "3", "--trust", scratch.path("trust.json")] + db)
        #expect(status == 0, "\(output)")
        #expect(output.contains("verified 1 release"), "\(output)")
        (status, output) = try await runHotload(["verify", "--trust", scratch.path("trust.json")] + db)
        #expect(status == 1, "\(output)")
        #expect(output.contains("release 4 (main): FAILED") && output.contains("unsigned: it is not signed"), "\(output)")
        (status, output) = try await runHotload(["verify", "--all", "--trust", scratch.path("trust.json"), "--json"] + db)
        #expect(status == 1, "\(output)")
        struct Report: Decodable {
            struct Release: Decodable { let release: Int64; let verified: Bool; let signers: [String] }
            let verified: Bool
            let checked: Int
            let failed: Int
            let releases: [Release]
        }
        let report = try JSONDecoder().decode(Report.self, from: Data(output.utf8))
        #expect(!report.verified && report.checked == 4 && report.failed == 1)
        #expect(report.releases.filter(\.verified).map(\.release) == [1, 2, 3])
        #expect(report.releases[0].signers == [keyA.keyID])
    }

    @Test(.timeLimit(.minutes(2))) func verifyNamesTheReleaseATamperingSuperuserChanged() async throws {
        let fixture = try await NodeFixture.make()
        defer { Task { await fixture.close() } }
        let scratch = try await Scratch.make()
        defer { scratch.remove() }
        let db = ["--database", fixture.url]
        for version in 1...3 {
            try scratch.write("a", "fn one() = \(version)\n")
            let (status, output) = try await runHotload(["push", scratch.path("rules"), "--sign", scratch.path("a.key")] + db)
            try #require(status == 0, "\(output)")
        }
        var (status, output) = try await runHotload(["verify", "--all", "--trust", scratch.path("trust.json")] + db)
        #expect(status == 0 && output.contains("verified 3 releases"), "\(output)")

        let evil = "fn one() = 666\n"
        let conn = fixture.store.connection
        try await conn.execute("ALTER TABLE hotload.revisions DISABLE TRIGGER ALL")
        try await conn.execute("UPDATE hotload.revisions SET source = $1, sha256 = encode(sha256(convert_to($1, 'UTF8')), 'hex') WHERE module = 'a' AND version = 2",
                               [.text(evil)])
        try await conn.execute("ALTER TABLE hotload.revisions ENABLE TRIGGER ALL")
        (status, output) = try await runHotload(["verify", "--all", "--trust", scratch.path("trust.json")] + db)
        #expect(status == 1, "\(output)")
        #expect(output.contains("release 2 (main): FAILED") && output.contains("bad_signature"), "\(output)")
        #expect(!output.contains("release 1 (main)") && !output.contains("release 3 (main)"), "\(output)")
        #expect(output.contains("1 of 3 releases failed verification"), "\(output)")
    }

    @Test(arguments: [
        // A key file others may read: the fix is named.
        (["push", "RULES", "--sign", "LOOSE"], "private key file has mode 644"),
        (["rm", "a", "--sign", "MISSING"], "not a usable key file"),
        (["rollback", "a", "--to", "1", "--sign", "A", "--sign", "A"], "are the same key"),
        (["verify", "--trust", "MISSING"], "MISSING"),
        (["verify", "--trust", "A"], "not a valid trust file"),
        // A trust file others may write decides what runs: refused like a node refuses it.
        (["verify", "--trust", "OPEN"], "may be written by group or others"),
        (["verify", "--release", "1", "--all", "--trust", "TRUST"], "give --release N or --all, not both"),
        (["verify", "--release", "1", "--channel", "main", "--trust", "TRUST"], "--release N names its channel"),
        (["key", "register", "A"], "Missing expected argument '--owner <owner>'"),
        (["show"], "give MODULE[@VERSION], or --release N"),
    ])
    func badKeyTrustFilesAndFlagsAreRefusedBeforeConnecting(arguments: [String], message: String) async throws {
        let scratch = try await Scratch.make()
        defer { scratch.remove() }
        try scratch.write("a", "fn one() = 1\n")
        let loose = scratch.path("loose.key")
        try SigningKey().write(toNewFile: loose)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: loose)
        let open = scratch.path("open.json")
        try Data(#"{"version": 1, "threshold": 1, "keys": []}"#.utf8).write(to: URL(fileURLWithPath: open))
        try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: open)
        let names = ["RULES": scratch.path("rules"), "LOOSE": loose, "MISSING": scratch.path("missing"),
                     "A": scratch.path("a.key"), "TRUST": scratch.path("trust.json"), "OPEN": open]
        let resolved = arguments.map { names[$0] ?? $0 }
        let (status, output) = try await runHotload(resolved, environment: Self.unreachable, timeout: .seconds(20))
        #expect(status != 0, "\(output)")
        #expect(output.contains(names[message] ?? message), "\(output)")
        #expect(!output.contains("cannot connect") && !output.contains("Choose the server"), "\(output)")
    }
}
