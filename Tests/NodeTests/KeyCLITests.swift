import Foundation
import HotloadStore
import Testing

/// `hotload key generate/show/trust` through the binary: a 0600 key file that is never
/// overwritten, the same key id and public key from `show`, a loose key file refused with
/// the fix, and a trust file that `TrustPolicy` loads and that verifies the key's signatures.
@Suite struct KeyCLITests {
    static func scratch() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    struct KeyJSON: Decodable {
        let file: String
        let key_id: String
        let public_key: String
    }

    static func generate(_ path: String) async throws -> KeyJSON {
        let (status, output) = try await runHotload(["key", "generate", "--out", path, "--json"], timeout: .seconds(20))
        try #require(status == 0, "\(output)")
        return try JSONDecoder().decode(KeyJSON.self, from: Data(output.utf8))
    }

    @Test(.timeLimit(.minutes(1))) func generateWritesAPrivateKeyOnceAndShowPrintsItAgain() async throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("a.key").path
        let generated = try await Self.generate(path)
        #expect(generated.key_id.count == 64 && generated.public_key.count == 64)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
        let key = try SigningKey(contentsOf: path)
        #expect(key.keyID == generated.key_id && key.publicKey.hex == generated.public_key)

        let (showStatus, shown) = try await runHotload(["key", "show", path], timeout: .seconds(20))
        #expect(showStatus == 0)
        #expect(shown.contains("key id:     \(generated.key_id)"), "\(shown)")
        #expect(shown.contains("public key: \(generated.public_key)"), "\(shown)")

        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let (again, refused) = try await runHotload(["key", "generate", "--out", path], timeout: .seconds(20))
        #expect(again == 1)
        #expect(refused.contains("\(path): file exists"), "\(refused)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test(.timeLimit(.minutes(1))) func aKeyFileOthersMayReadIsRefusedWithTheFix() async throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("a.key").path
        _ = try await Self.generate(path)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        for arguments in [["key", "show", path], ["key", "trust", path]] {
            let (status, output) = try await runHotload(arguments, timeout: .seconds(20))
            #expect(status == 1, "\(arguments)")
            #expect(output.contains("\(path): private key file has mode 644"), "\(output)")
            #expect(output.contains("chmod 600 \(path)"), "\(output)")
        }
        let (status, output) = try await runHotload(["key", "show", directory.appendingPathComponent("missing").path],
                                                    timeout: .seconds(20))
        #expect(status == 1)
        #expect(output.contains("not a usable key file"), "\(output)")
    }

    @Test(.timeLimit(.minutes(1))) func trustPrintsATrustFileThatVerifiesTheKeysSignatures() async throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let paths = ["a.key", "b.key"].map { directory.appendingPathComponent($0).path }
        for path in paths { _ = try await Self.generate(path) }
        let (status, output) = try await runHotload(["key", "trust"] + paths + ["--threshold", "2"], timeout: .seconds(20))
        try #require(status == 0, "\(output)")
        let policy = try TrustPolicy(json: Data(output.utf8), path: "stdout")
        #expect(policy.threshold == 2)
        let keys = try paths.map { try SigningKey(contentsOf: $0) }
        #expect(Set(policy.keys.keys) == Set(keys.map(\.keyID)))
        let manifest = try ReleaseManifest(channel: "main", release: 1, parent: nil, modules: [], author: "a", message: "")
        #expect(try policy.verify(manifest: manifest, signatures: keys.map { try $0.sign(manifest) }).count == 2)

        // The same key twice is one key: a threshold of 2 cannot be met.
        let (twice, refused) = try await runHotload(["key", "trust", paths[0], paths[0], "--threshold", "2"],
                                                    timeout: .seconds(20))
        #expect(twice != 0)
        #expect(refused.contains("--threshold 2 must be between 1 and the 1 distinct keys"), "\(refused)")
    }
}
