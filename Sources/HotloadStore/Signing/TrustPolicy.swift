import Foundation
import HotloadModules

/// Which keys a node trusts and how many distinct ones must sign a release.
///
/// The trust file is JSON (see this folder's README):
/// `{"version": 1, "threshold": K, "keys": [{"key_id": "...", "public_key": "..."}]}`.
public struct TrustPolicy: Sendable, Hashable {
    /// The trusted keys by key id.
    public let keys: [String: SigningPublicKey]
    /// How many distinct trusted keys must sign (1 ... keys.count).
    public let threshold: Int

    /// The policy; `threshold` must be between 1 and the number of distinct keys.
    public init(keys: [SigningPublicKey], threshold: Int) throws {
        var byID: [String: SigningPublicKey] = [:]
        for key in keys { byID[key.keyID] = key }
        guard threshold >= 1, threshold <= byID.count else {
            throw SigningError.invalidTrustFile(
                path: "<policy>", reason: "threshold \(threshold) is not between 1 and the \(byID.count) distinct keys")
        }
        self.keys = byID
        self.threshold = threshold
    }

    /// Checks the signatures: succeeds, returning the sorted ids of the trusted keys whose
    /// signatures verified, when at least `threshold` distinct trusted keys signed.
    ///
    /// A signature by a trusted key that does not verify fails the whole check
    /// (`bad_signature`): the manifest or the signature was altered. Signatures by keys
    /// the policy does not know are ignored (a key removed from the trust file), unless
    /// too few trusted keys remain, when the failure names the unknown key
    /// (`unknown_key`); otherwise too few is `too_few_signatures`. The same key signing
    /// twice counts once.
    @discardableResult
    public func verify(manifest: ReleaseManifest, signatures: [ReleaseSignature]) throws -> [String] {
        let bytes = manifest.canonicalBytes()
        var signers = Set<String>()
        var unknown: String?
        var bad: String?
        for signature in signatures {
            guard let key = keys[signature.keyID] else {
                if unknown == nil { unknown = signature.keyID }
                continue
            }
            if key.isValidSignature(signature.signature, for: bytes) {
                signers.insert(signature.keyID)
            } else if bad == nil {
                bad = signature.keyID
            }
        }
        if let bad { throw SigningError.badSignature(bad, valid: signers.count, threshold: threshold) }
        guard signers.count >= threshold else {
            if let unknown { throw SigningError.unknownKey(unknown, valid: signers.count, threshold: threshold) }
            throw SigningError.tooFewSignatures(valid: signers.count, threshold: threshold)
        }
        return signers.sorted()
    }

    /// The trust file's JSON shape.
    public struct File: Codable, Sendable, Hashable {
        public struct Key: Codable, Sendable, Hashable {
            public var key_id: String
            public var public_key: String
        }
        public var version: Int
        public var threshold: Int
        public var keys: [Key]
    }

    /// What is wrong with the JSON, in a few words and with its place (`keys[1].public_key`).
    private static func describe(_ error: any Error) -> String {
        func place(_ path: [any CodingKey]) -> String {
            let text = path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.hasPrefix(".") ? String(text.dropFirst()) : (text.isEmpty ? "the document" : text)
        }
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?:
            return "\(place(context.codingPath + [key])) is missing"
        case .typeMismatch(let type, let context)?, .valueNotFound(let type, let context)?:
            return "\(place(context.codingPath)) is not \(type == String.self ? "a string" : type == Int.self ? "an integer" : "a \(type)")"
        case .dataCorrupted(let context)?:
            return context.codingPath.isEmpty ? "not valid JSON" : "\(place(context.codingPath)) is malformed"
        default:
            return "not valid JSON"
        }
    }

    /// Trust files hold public keys: a megabyte is far more than any fleet needs.
    public static let maxFileBytes = 1 << 20

    /// The policy of the trust file at `path`, refusing (`invalid_trust_file`) anything but
    /// a regular file of at most `maxFileBytes` that belongs to this user or root and that
    /// the group and others may not write (whoever may write it decides what runs; it need
    /// not be secret), checked on the open file before a byte is read.
    public init(contentsOf path: String) throws {
        let bytes: [UInt8]
        do {
            bytes = try BoundedFile.bytes(at: path, maxBytes: Self.maxFileBytes, kind: "trust files", ownerWritesOnly: true)
        } catch {
            throw SigningError.invalidTrustFile(path: path, reason: "the file \(error.message)")
        }
        try self.init(json: Data(bytes), path: path)
    }

    /// The current trust file format version.
    public static let fileVersion = 1

    /// The policy as a trust file (keys sorted by key id).
    public var file: File {
        File(version: Self.fileVersion, threshold: threshold,
             keys: keys.values.sorted { $0.keyID < $1.keyID }.map { File.Key(key_id: $0.keyID, public_key: $0.hex) })
    }

    /// The policy of a trust file's JSON; `path` names the file in errors. Refuses an
    /// unknown version, a malformed key, a key id that does not match its key, a key
    /// listed twice and a threshold outside 1 ... keys.
    public init(json data: Data, path: String) throws {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw SigningError.invalidTrustFile(
                path: path, reason: "expected {\"version\": 1, \"threshold\": K, \"keys\": [...]}: \(Self.describe(error))")
        }
        guard file.version == Self.fileVersion else {
            throw SigningError.invalidTrustFile(path: path, reason: "version \(file.version) is not \(Self.fileVersion)")
        }
        var keys: [SigningPublicKey] = []
        for (index, entry) in file.keys.enumerated() {
            guard let key = SigningPublicKey(hex: entry.public_key) else {
                throw SigningError.invalidTrustFile(path: path, reason: "keys[\(index)].public_key is not 64 hex digits of an ed25519 key")
            }
            guard entry.key_id.lowercased() == key.keyID else {
                throw SigningError.invalidTrustFile(path: path, reason: "keys[\(index)].key_id does not match its public key (\(key.keyID))")
            }
            guard !keys.contains(key) else {
                throw SigningError.invalidTrustFile(path: path, reason: "keys[\(index)] repeats key \(key.keyID)")
            }
            keys.append(key)
        }
        guard file.threshold >= 1, file.threshold <= keys.count else {
            throw SigningError.invalidTrustFile(
                path: path, reason: "threshold \(file.threshold) is not between 1 and the \(keys.count) keys")
        }
        try self.init(keys: keys, threshold: file.threshold)
    }
}
