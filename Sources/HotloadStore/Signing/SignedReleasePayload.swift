import Crypto
import Foundation

/// A signed release as a notification carries it: the manifest, its signatures and the
/// source of every module the release changed. A node whose running release is the
/// manifest's parent can verify it and apply it without reading the tables.
///
/// The `signed` field of the notification (`ReleaseNotification`) is the base64 of version
/// byte 1 followed by one zlib stream of:
/// `u32 len, ReleaseManifest.canonicalBytes()`; `u8 n`, n × (32-byte key id, 64-byte
/// signature); `u32 m`, m × (`u32 len` module name, `u32 len` UTF-8 source), integers
/// big-endian, sources sorted by name (this folder's README documents it). Decoding refuses
/// anything else: a truncated or altered stream (zlib's checksum), trailing bytes, more than
/// `maxInflatedBytes`, a source of a module that is not in the manifest or whose SHA-256 is
/// not the manifest's. Decoding proves nothing about who made it: `TrustPolicy.verify` does.
public struct SignedReleasePayload: Sendable, Hashable {
    /// The format version, the first byte before the zlib stream.
    public static let version: UInt8 = 1
    /// The most a payload may inflate to: 8000 bytes of notification cannot make a node
    /// allocate more.
    public static let maxInflatedBytes = 1 << 20

    public let manifest: ReleaseManifest
    public let signatures: [ReleaseSignature]
    /// The source text of the modules the release changed, by module name.
    public let sources: [String: String]

    public init(manifest: ReleaseManifest, signatures: [ReleaseSignature], sources: [String: String]) {
        self.manifest = manifest
        self.signatures = signatures
        self.sources = sources
    }

    /// The whole notification payload carrying this release, or nil when it does not fit
    /// `ReleaseNotification.maxPayloadBytes` (or there is no signature: nothing to trust).
    public func notificationPayload() -> String? {
        guard !signatures.isEmpty, signatures.count <= Int(UInt8.max),
              let signed = encoded() else { return nil }
        let payload = ReleaseNotification(channel: manifest.channel, release: Int64(manifest.release), signed: signed).payload
        return payload.utf8.count <= ReleaseNotification.maxPayloadBytes ? payload : nil
    }

    /// The base64 text of the `signed` field.
    func encoded() -> String? {
        var body = ByteWriter()
        let manifestBytes = manifest.canonicalBytes()
        body.length(manifestBytes.count)
        body.raw(manifestBytes)
        body.byte(UInt8(truncatingIfNeeded: signatures.count))
        for signature in signatures {
            guard let id = Hex.decode(signature.keyID), id.count == 32, signature.signature.count == 64 else { return nil }
            body.raw(id)
            body.raw(signature.signature)
        }
        let sorted = sources.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
        body.length(sorted.count)
        for (module, text) in sorted {
            body.string(module)
            body.string(text)
        }
        guard let compressed = Deflate.compress(body.bytes) else { return nil }
        return Data([Self.version] + compressed).base64EncodedString()
    }

    /// Decodes the signed release a notification carries, which must be about the
    /// notification's own channel and release.
    /// - Throws: `SigningError` with code `invalid_payload` naming what is wrong.
    public init(_ notification: ReleaseNotification) throws(SigningError) {
        guard let signed = notification.signed else { throw SigningError.invalidPayload("no signed release") }
        try self.init(signed: signed)
        guard manifest.channel == notification.channel, Int64(manifest.release) == notification.release else {
            throw SigningError.invalidPayload("the manifest is about another channel or release than the notification")
        }
    }

    /// Decodes the `signed` text of a notification (`ReleaseNotification.signed`).
    /// - Throws: `SigningError` with code `invalid_payload` naming what is wrong.
    public init(signed text: String) throws(SigningError) {
        guard let data = Data(base64Encoded: text), let version = data.first else {
            throw SigningError.invalidPayload("not base64")
        }
        guard version == Self.version else { throw SigningError.invalidPayload("format version \(version) is not \(Self.version)") }
        guard let body = Deflate.inflate(Array(data.dropFirst()), limit: Self.maxInflatedBytes) else {
            throw SigningError.invalidPayload("not one complete zlib stream of at most \(Self.maxInflatedBytes) bytes")
        }
        var reader = ByteReader(body)
        guard let manifestLength = reader.length(), let manifestBytes = reader.take(manifestLength),
              let manifest = ReleaseManifest(canonicalBytes: Array(manifestBytes)) else {
            throw SigningError.invalidPayload("the manifest is not in canonical form")
        }
        guard let signatureCount = reader.byte() else { throw SigningError.invalidPayload("truncated signatures") }
        var signatures: [ReleaseSignature] = []
        for _ in 0..<signatureCount {
            guard let id = reader.take(32), let signature = reader.take(64) else {
                throw SigningError.invalidPayload("truncated signatures")
            }
            signatures.append(ReleaseSignature(keyID: Hex.encode(Array(id)), signature: Array(signature)))
        }
        guard let sourceCount = reader.length(), sourceCount <= manifest.modules.count else {
            throw SigningError.invalidPayload("more sources than modules")
        }
        let hashes = Dictionary(manifest.modules.map { ($0.module, $0.sha256) }, uniquingKeysWith: { first, _ in first })
        var sources: [String: String] = [:]
        for _ in 0..<sourceCount {
            guard let module = reader.string(), let text = reader.string() else {
                throw SigningError.invalidPayload("truncated sources")
            }
            guard let hash = hashes[module], sources[module] == nil else {
                throw SigningError.invalidPayload(
                    "a source of module '\(TerminalText.escaping(module))', which the manifest does not list once")
            }
            guard Hex.encode(SHA256.hash(data: Array(text.utf8))) == hash else {
                throw SigningError.invalidPayload(
                    "the source of module '\(TerminalText.escaping(module))' does not match its SHA-256 in the manifest")
            }
            sources[module] = text
        }
        guard reader.isAtEnd else { throw SigningError.invalidPayload("bytes after the sources") }
        self.init(manifest: manifest, signatures: signatures, sources: sources)
    }
}
