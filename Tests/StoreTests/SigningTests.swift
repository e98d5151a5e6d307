import Foundation
import HotloadStore
import Testing

/// Issue 11 (foundation): the canonical manifest, its published vectors, keys, key files,
/// signatures and the trust policy. No database: nothing here touches it.
@Suite struct SigningTests {
    private struct Vectors: Decodable {
        struct Key: Decodable {
            let seed: String
            let public_key: String
            let key_id: String
        }
        struct Module: Decodable {
            let name: String
            let version: Int
            let sha256: String
        }
        struct Signature: Decodable {
            let key_id: String
            let signature: String
        }
        struct Manifest: Decodable {
            let channel: String
            let release: Int
            let parent: Int?
            let author: String
            let message: String
            let modules: [Module]
            let canonical_hex: String
            let signatures: [Signature]
        }
        let keys: [Key]
        let manifests: [Manifest]
    }

    /// `docs/manifest-vectors.json`, generated independently of the Swift code.
    private static func vectors() throws -> Vectors {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("docs/manifest-vectors.json"))
        return try JSONDecoder().decode(Vectors.self, from: data)
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return out
    }

    private static func manifest(_ vector: Vectors.Manifest) throws -> ReleaseManifest {
        try ReleaseManifest(channel: vector.channel, release: vector.release, parent: vector.parent,
                            modules: vector.modules.map { ManifestEntry(module: $0.name, version: $0.version, sha256: $0.sha256) },
                            author: vector.author, message: vector.message)
    }

    static let sample = try! ReleaseManifest(
        channel: "main", release: 7, parent: 6,
        modules: [ManifestEntry(module: "billing/pricing", version: 2, sha256: String(repeating: "ab", count: 32)),
                  ManifestEntry(module: "billing/tax", version: 3, sha256: String(repeating: "cd", count: 32))],
        author: "alice", message: "VIP discount")

    @Test func theImplementationMatchesThePublishedVectors() throws {
        let vectors = try Self.vectors()
        try #require(vectors.keys.count == 2 && vectors.manifests.count >= 3)
        let keys = try vectors.keys.map { try SigningKey(seed: Self.bytes($0.seed)) }
        for (key, vector) in zip(keys, vectors.keys) {
            #expect(key.publicKey.hex == vector.public_key)
            #expect(key.keyID == vector.key_id)
        }
        let policy = try TrustPolicy(keys: keys.map(\.publicKey), threshold: 2)
        for vector in vectors.manifests {
            let manifest = try Self.manifest(vector)
            #expect(Self.hex(manifest.canonicalBytes()) == vector.canonical_hex, "release \(vector.release)")
            let published = vector.signatures.map { ReleaseSignature(keyID: $0.key_id, signature: Self.bytes($0.signature)) }
            #expect(try policy.verify(manifest: manifest, signatures: published) == keys.map(\.keyID).sorted())
            // Ed25519 is deterministic: this implementation signs to the same bytes.
            #expect(try keys.map { try $0.sign(manifest) } == published)
        }
    }

    /// Every field takes part in the signature: changing any one of them, or adding or
    /// removing a module, makes a valid signature fail with `bad_signature`; the order in
    /// which modules are given does not matter.
    @Test func changingAnyFieldBreaksTheSignature() throws {
        let key = SigningKey()
        let policy = try TrustPolicy(keys: [key.publicKey], threshold: 1)
        let signature = try key.sign(Self.sample)
        try policy.verify(manifest: Self.sample, signatures: [signature])
        let m = Self.sample
        let hashA = String(repeating: "ab", count: 32), hashC = String(repeating: "cd", count: 32)
        func entries(_ list: [(String, Int, String)]) -> [ManifestEntry] {
            list.map { ManifestEntry(module: $0.0, version: $0.1, sha256: $0.2) }
        }
        let original = entries([("billing/pricing", 2, hashA), ("billing/tax", 3, hashC)])
        let tampered: [(String, ReleaseManifest)] = [
            ("channel", try ReleaseManifest(channel: "main2", release: 7, parent: 6, modules: original, author: m.author, message: m.message)),
            ("release", try ReleaseManifest(channel: "main", release: 8, parent: 6, modules: original, author: m.author, message: m.message)),
            ("parent", try ReleaseManifest(channel: "main", release: 7, parent: 5, modules: original, author: m.author, message: m.message)),
            ("no parent", try ReleaseManifest(channel: "main", release: 7, parent: nil, modules: original, author: m.author, message: m.message)),
            ("module name", try ReleaseManifest(channel: "main", release: 7, parent: 6,
                                                modules: entries([("billing/pricinh", 2, hashA), ("billing/tax", 3, hashC)]),
                                                author: m.author, message: m.message)),
            ("module version", try ReleaseManifest(channel: "main", release: 7, parent: 6,
                                                   modules: entries([("billing/pricing", 1, hashA), ("billing/tax", 3, hashC)]),
                                                   author: m.author, message: m.message)),
            ("module hash", try ReleaseManifest(channel: "main", release: 7, parent: 6,
                                                modules: entries([("billing/pricing", 2, hashC), ("billing/tax", 3, hashC)]),
                                                author: m.author, message: m.message)),
            ("module added", try ReleaseManifest(channel: "main", release: 7, parent: 6,
                                                 modules: original + entries([("x", 1, hashA)]), author: m.author, message: m.message)),
            ("module removed", try ReleaseManifest(channel: "main", release: 7, parent: 6,
                                                   modules: Array(original.prefix(1)), author: m.author, message: m.message)),
            ("author", try ReleaseManifest(channel: "main", release: 7, parent: 6, modules: original, author: "mallory", message: m.message)),
            ("message", try ReleaseManifest(channel: "main", release: 7, parent: 6, modules: original, author: m.author, message: "VIP discount ")),
            // Moving bytes between adjacent fields keeps the concatenation, not the encoding.
            ("author/message boundary", try ReleaseManifest(channel: "main", release: 7, parent: 6, modules: original,
                                                            author: "aliceV", message: "IP discount")),
        ]
        for (field, manifest) in tampered {
            #expect(manifest.canonicalBytes() != m.canonicalBytes(), "\(field)")
            let error = try #require(throws: SigningError.self, "\(field)") {
                try policy.verify(manifest: manifest, signatures: [signature])
            }
            #expect(error.code == .badSignature, "\(field)")
            #expect(error.keyID == key.keyID)
        }
        // The module order given does not matter: the encoding sorts by name.
        let reordered = try ReleaseManifest(channel: "main", release: 7, parent: 6, modules: original.reversed(),
                                            author: m.author, message: m.message)
        try policy.verify(manifest: reordered, signatures: [signature])
        // A flipped signature bit fails too.
        var flipped = signature.signature
        flipped[5] ^= 1
        #expect(throws: SigningError.self) {
            try policy.verify(manifest: m, signatures: [ReleaseSignature(keyID: key.keyID, signature: flipped)])
        }
    }

    @Test func manifestsWithoutACanonicalEncodingAreRefused() {
        let good = String(repeating: "0", count: 64)
        let cases: [() throws -> ReleaseManifest] = [
            { try ReleaseManifest(channel: "m", release: -1, parent: nil, modules: [], author: "", message: "") },
            { try ReleaseManifest(channel: "m", release: 1, parent: -2, modules: [], author: "", message: "") },
            { try ReleaseManifest(channel: "m", release: 1, parent: nil,
                                  modules: [ManifestEntry(module: "a", version: -1, sha256: good)], author: "", message: "") },
            { try ReleaseManifest(channel: "m", release: 1, parent: nil,
                                  modules: [ManifestEntry(module: "a", version: 1, sha256: "abc")], author: "", message: "") },
            { try ReleaseManifest(channel: "m", release: 1, parent: nil,
                                  modules: [ManifestEntry(module: "a", version: 1, sha256: String(repeating: "g", count: 64))],
                                  author: "", message: "") },
            { try ReleaseManifest(channel: "m", release: 1, parent: nil,
                                  modules: [ManifestEntry(module: "a", version: 1, sha256: good),
                                            ManifestEntry(module: "a", version: 2, sha256: good)], author: "", message: "") },
        ]
        for make in cases {
            let error = #expect(throws: SigningError.self) { try make() }
            #expect(error?.code == .invalidManifest)
        }
        // Uppercase hex is the same hash, so the same bytes.
        let lower = try? ReleaseManifest(channel: "m", release: 1, parent: nil,
                                         modules: [ManifestEntry(module: "a", version: 1, sha256: String(repeating: "ab", count: 32))],
                                         author: "", message: "")
        let upper = try? ReleaseManifest(channel: "m", release: 1, parent: nil,
                                         modules: [ManifestEntry(module: "a", version: 1, sha256: String(repeating: "AB", count: 32))],
                                         author: "", message: "")
        #expect(lower?.canonicalBytes() == upper?.canonicalBytes())
    }

    @Test func theThresholdCountsDistinctTrustedKeys() throws {
        let (a, b, c, stranger) = (SigningKey(), SigningKey(), SigningKey(), SigningKey())
        let policy = try TrustPolicy(keys: [a.publicKey, b.publicKey, c.publicKey], threshold: 2)
        let m = Self.sample
        let sa = try a.sign(m), sb = try b.sign(m)
        #expect(try policy.verify(manifest: m, signatures: [sa, sb]) == [a.keyID, b.keyID].sorted())
        // The same key twice counts once (and a second, equal signature is no help).
        let twice = #expect(throws: SigningError.self) { try policy.verify(manifest: m, signatures: [sa, sa]) }
        #expect(twice?.code == .tooFewSignatures)
        #expect(twice?.valid == 1 && twice?.threshold == 2)
        // A signature by another key under a trusted key's id is a bad signature, not a second signer.
        let forged = ReleaseSignature(keyID: b.keyID, signature: try stranger.sign(m).signature)
        let bad = #expect(throws: SigningError.self) { try policy.verify(manifest: m, signatures: [sa, forged]) }
        #expect(bad?.code == .badSignature)
        // An unknown key does not count; with too few, the failure names it.
        let unknown = #expect(throws: SigningError.self) { try policy.verify(manifest: m, signatures: [sa, try stranger.sign(m)]) }
        #expect(unknown?.code == .unknownKey)
        #expect(unknown?.keyID == stranger.keyID)
        // With enough trusted signatures, an unknown one is ignored (a key removed from the trust file).
        #expect(try policy.verify(manifest: m, signatures: [try stranger.sign(m), sa, sb]) == [a.keyID, b.keyID].sorted())
        let none = #expect(throws: SigningError.self) { try policy.verify(manifest: m, signatures: []) }
        #expect(none?.code == .tooFewSignatures)
        // A threshold the keys cannot meet, or below 1, is refused; the same key twice is one key.
        #expect(throws: SigningError.self) { try TrustPolicy(keys: [a.publicKey, a.publicKey], threshold: 2) }
        #expect(throws: SigningError.self) { try TrustPolicy(keys: [a.publicKey], threshold: 0) }
    }

    @Test func trustFilesRoundTripAndRefuseMalformedOnes() throws {
        let (a, b) = (SigningKey(), SigningKey())
        let policy = try TrustPolicy(keys: [a.publicKey, b.publicKey], threshold: 2)
        let data = try JSONEncoder().encode(policy.file)
        #expect(try TrustPolicy(json: data, path: "t.json") == policy)
        let bad: [String] = [
            "not json",
            #"{"version": 2, "threshold": 1, "keys": [{"key_id": "\#(a.keyID)", "public_key": "\#(a.publicKey.hex)"}]}"#,
            #"{"version": 1, "threshold": 2, "keys": [{"key_id": "\#(a.keyID)", "public_key": "\#(a.publicKey.hex)"}]}"#,
            #"{"version": 1, "threshold": 0, "keys": [{"key_id": "\#(a.keyID)", "public_key": "\#(a.publicKey.hex)"}]}"#,
            #"{"version": 1, "threshold": 1, "keys": [{"key_id": "\#(b.keyID)", "public_key": "\#(a.publicKey.hex)"}]}"#,
            #"{"version": 1, "threshold": 1, "keys": [{"key_id": "\#(a.keyID)", "public_key": "abcd"}]}"#,
            #"{"version": 1, "threshold": 1, "keys": [{"key_id": "\#(a.keyID)", "public_key": "\#(a.publicKey.hex)"}, {"key_id": "\#(a.keyID)", "public_key": "\#(a.publicKey.hex)"}]}"#,
        ]
        for text in bad {
            let error = #expect(throws: SigningError.self, "\(text)") { try TrustPolicy(json: Data(text.utf8), path: "t.json") }
            #expect(error?.code == .invalidTrustFile)
            #expect(error?.path == "t.json")
        }
        // JSON that does not fit the format names the field, in a few words.
        for (text, says) in [("not json", "not valid JSON"), (#"{"version": 1}"#, "threshold is missing"),
                             (#"{"version": 1, "threshold": "2", "keys": []}"#, "threshold is not an integer"),
                             (#"{"version": 1, "threshold": 1, "keys": [{"key_id": 5, "public_key": "ab"}]}"#,
                              "keys[0].key_id is not a string")] {
            let error = #expect(throws: SigningError.self) { try TrustPolicy(json: Data(text.utf8), path: "t.json") }
            #expect(error?.message.hasSuffix(says) == true, "\(error?.message ?? "")")
        }
    }

    @Test func keyFilesAreWrittenPrivateAndLoadedOnlyWhenPrivate() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("release.key").path
        let key = SigningKey()
        try key.write(toNewFile: path)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try SigningKey(contentsOf: path).keyID == key.keyID)
        // Never overwritten.
        let exists = #expect(throws: SigningError.self) { try SigningKey().write(toNewFile: path) }
        #expect(exists?.code == .keyFileExists)
        #expect(try SigningKey(contentsOf: path).keyID == key.keyID)
        // Readable (or writable) by group or others: refused, naming the file.
        for loose in [0o640, 0o604, 0o620, 0o644, 0o666] {
            try FileManager.default.setAttributes([.posixPermissions: loose], ofItemAtPath: path)
            let error = #expect(throws: SigningError.self) { try SigningKey(contentsOf: path) }
            #expect(error?.code == .keyFilePermissions, "mode \(String(loose, radix: 8))")
            #expect(error?.path == path)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: path)
        #expect(try SigningKey(contentsOf: path).keyID == key.keyID)
        // Not a key file; a directory; a symbolic link; a missing file.
        let garbage = directory.appendingPathComponent("garbage.key").path
        #expect(FileManager.default.createFile(atPath: garbage, contents: Data("hello\n".utf8), attributes: [.posixPermissions: 0o600]))
        let link = directory.appendingPathComponent("link.key").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
        for bad in [garbage, directory.path, link, directory.appendingPathComponent("missing").path] {
            let error = #expect(throws: SigningError.self, "\(bad)") { try SigningKey(contentsOf: bad) }
            #expect(error?.code == .invalidKeyFile, "\(bad)")
        }
    }

    /// The codes are stable: callers match on their raw values.
    @Test func errorCodesAreStable() {
        let codes: [(SigningError.Code, String)] = [
            (.invalidKeyFile, "invalid_key_file"), (.keyFilePermissions, "key_file_permissions"),
            (.keyFileExists, "key_file_exists"), (.invalidTrustFile, "invalid_trust_file"),
            (.invalidManifest, "invalid_manifest"), (.unknownKey, "unknown_key"),
            (.badSignature, "bad_signature"), (.tooFewSignatures, "too_few_signatures"),
            (.invalidPayload, "invalid_payload"),
        ]
        for (code, raw) in codes { #expect(code.rawValue == raw) }
    }

    /// Verification cost (printed, not asserted: the machine is shared): one signature over
    /// a small manifest, and a 100-module manifest (encoding plus one signature).
    @Test func measureVerification() throws {
        let key = SigningKey()
        let policy = try TrustPolicy(keys: [key.publicKey], threshold: 1)
        let big = try ReleaseManifest(
            channel: "main", release: 1000, parent: 999,
            modules: (0..<100).map { ManifestEntry(module: "team\($0 % 10)/module_\($0)", version: $0 + 1,
                                                  sha256: String(repeating: "5a", count: 32)) },
            author: "release-bot", message: "a release of 100 modules")
        for (name, manifest) in [("1-module-ish", Self.sample), ("100-module", big)] {
            let signatures = [try key.sign(manifest)]
            let rounds = 2000
            let clock = ContinuousClock()
            try policy.verify(manifest: manifest, signatures: signatures)
            let elapsed = try clock.measure {
                for _ in 0..<rounds { try policy.verify(manifest: manifest, signatures: signatures) }
            }
            let perCall = elapsed / rounds
            print("signing: verify \(name) manifest (\(manifest.canonicalBytes().count) bytes), 1 signature: "
                  + "\(perCall.components.attoseconds / 1_000_000_000) ns")
        }
    }
}
