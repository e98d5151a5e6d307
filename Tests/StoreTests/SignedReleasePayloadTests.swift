import Crypto
import Foundation
@testable import HotloadStore
import Testing

/// Issue 11: the signed release a notification carries (`SignedReleasePayload`) and the
/// canonical manifest decoded back from its bytes.
@Suite struct SignedReleasePayloadTests {
    private static let keys = [SigningKey(), SigningKey()]

    private static func sha(_ text: String) -> String { Hex.encode(SHA256.hash(data: Array(text.utf8))) }

    /// A release of `count` modules of which the first changed to `changed`.
    private static func release(modules count: Int, changed: String) throws -> (ReleaseManifest, [String: String]) {
        let entries = (0..<count).map { index in
            ManifestEntry(module: "team\(index % 10)/module_\(index)", version: index + 1,
                          sha256: index == 0 ? sha(changed) : sha("source \(index)"))
        }
        let manifest = try ReleaseManifest(channel: "main", release: 42, parent: 41, modules: entries,
                                           author: "alice", message: "raise the discount")
        return (manifest, [entries[0].module: changed])
    }

    private static func signed(_ manifest: ReleaseManifest, _ sources: [String: String]) throws -> SignedReleasePayload {
        SignedReleasePayload(manifest: manifest, signatures: try keys.map { try $0.sign(manifest) }, sources: sources)
    }

    @Test func aSignedReleaseRoundTripsThroughTheNotification() throws {
        let (manifest, sources) = try Self.release(modules: 3, changed: "let rate = 0.2\nfn price(x) = x * (1.0 - rate)\n")
        let payload = try Self.signed(manifest, sources)
        let text = try #require(payload.notificationPayload())
        #expect(text.hasPrefix(#"{"channel":"main","release":42,"signed":""#))
        let notification = try #require(ReleaseNotification(payload: text))
        #expect(notification.channel == "main" && notification.release == 42)
        let decoded = try SignedReleasePayload(notification)
        #expect(decoded == payload)
        let policy = try TrustPolicy(keys: Self.keys.map(\.publicKey), threshold: 2)
        #expect(try policy.verify(manifest: decoded.manifest, signatures: decoded.signatures).count == 2)
        // The plain form still parses, without a signed part.
        #expect(ReleaseNotification(payload: #"{"channel":"main","release":42}"#)?.signed == nil)
    }

    /// Every truncation and every single-byte change of the compressed release is refused or
    /// fails verification; none crashes or is taken for the signed release.
    @Test func truncatedOrAlteredPayloadsAreRefused() throws {
        let (manifest, sources) = try Self.release(modules: 5, changed: String(repeating: "fn f(x) = x + 1\n", count: 20))
        let payload = try Self.signed(manifest, sources)
        let signed = try #require(payload.encoded())
        let policy = try TrustPolicy(keys: Self.keys.map(\.publicKey), threshold: 2)
        let raw = try #require(Data(base64Encoded: signed)).map { $0 }
        for length in 0..<raw.count {
            #expect(throws: SigningError.self) { try SignedReleasePayload(signed: Data(raw[..<length]).base64EncodedString()) }
        }
        for index in raw.indices {
            var altered = raw
            altered[index] ^= 0x41
            guard let decoded = try? SignedReleasePayload(signed: Data(altered).base64EncodedString()) else { continue }
            #expect(decoded == payload || (try? policy.verify(manifest: decoded.manifest, signatures: decoded.signatures)) == nil,
                    "byte \(index)")
        }
        // Notification-level: another channel or release than the manifest's.
        for wrong in [ReleaseNotification(channel: "canary", release: 42, signed: signed),
                      ReleaseNotification(channel: "main", release: 43, signed: signed)] {
            #expect(throws: SigningError.self) { try SignedReleasePayload(wrong) }
        }
        for bad in [#"{"channel":"main","release":42,"signed":""}"#, #"{"channel":"main","release":42,"signed":"a b"}"#,
                    #"{"channel":"main","release":42,"signed":"abc"#, #"{"channel":"main","release":42,"signed":abc}"#,
                    #"{"channel":"main","release":42,"signed":"abc"} "#, #"{"channel":"main","release":42,"signed":"ab\"c"}"#] {
            #expect(ReleaseNotification(payload: bad) == nil, Comment(rawValue: bad))
        }
    }

    /// Well-formed compressed streams that do not hold a valid signed release.
    @Test func malformedContentsAreRefused() throws {
        let (manifest, sources) = try Self.release(modules: 2, changed: "fn f() = 1")
        let signatures = try Self.keys.map { try $0.sign(manifest) }
        func body(_ build: (inout [UInt8]) -> Void) -> String {
            var bytes: [UInt8] = []
            build(&bytes)
            return Data([SignedReleasePayload.version] + Deflate.compress(bytes)!).base64EncodedString()
        }
        func length(_ n: Int) -> [UInt8] { [UInt8(n >> 24 & 0xff), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] }
        func manifestPart(_ out: inout [UInt8]) {
            let bytes = manifest.canonicalBytes()
            out += length(bytes.count) + bytes
            out.append(UInt8(signatures.count))
            for signature in signatures { out += Hex.decode(signature.keyID)! + signature.signature }
        }
        func source(_ name: String, _ text: String) -> [UInt8] {
            length(name.utf8.count) + Array(name.utf8) + length(text.utf8.count) + Array(text.utf8)
        }
        let module = manifest.modules[0].module
        let cases: [(String, String)] = [
            ("a valid body", body { manifestPart(&$0); $0 += length(1) + source(module, sources[module]!) }),
            ("trailing bytes", body { manifestPart(&$0); $0 += length(0) + [0] }),
            ("a source that is not the manifest's", body { manifestPart(&$0); $0 += length(1) + source(module, "fn f() = 2") }),
            ("a source of an unknown module", body { manifestPart(&$0); $0 += length(1) + source("other", "x") }),
            ("a source twice", body { manifestPart(&$0); $0 += length(2) + source(module, sources[module]!) + source(module, sources[module]!) }),
            ("a bomb", Data([SignedReleasePayload.version]
                            + Deflate.compress([UInt8](repeating: 0, count: SignedReleasePayload.maxInflatedBytes + 1))!).base64EncodedString()),
            ("version 2", Data([2] + Deflate.compress([0])!).base64EncodedString()),
        ]
        #expect(try SignedReleasePayload(signed: cases[0].1).sources == sources)
        for (name, text) in cases.dropFirst() {
            #expect(throws: SigningError.self, Comment(rawValue: name)) { try SignedReleasePayload(signed: text) }
        }
    }

    @Test func canonicalBytesDecodeToTheirManifestAndNothingElseDecodes() throws {
        let (manifest, _) = try Self.release(modules: 4, changed: "x")
        let bytes = manifest.canonicalBytes()
        #expect(ReleaseManifest(canonicalBytes: bytes) == manifest)
        let first = try ReleaseManifest(channel: "main", release: 1, parent: nil, modules: [], author: "", message: "")
        #expect(ReleaseManifest(canonicalBytes: first.canonicalBytes()) == first)
        #expect(ReleaseManifest(canonicalBytes: bytes + [0]) == nil)
        for length in stride(from: 0, to: bytes.count, by: 7) {
            #expect(ReleaseManifest(canonicalBytes: Array(bytes[..<length])) == nil)
        }
        // Modules out of order have no canonical encoding of their own.
        var swapped = Array(bytes)
        let entries = manifest.modules.map { Array($0.module.utf8) }
        let a = try #require(swapped.firstRange(of: entries[0])), b = try #require(swapped.firstRange(of: entries[1]))
        try #require(entries[0].count == entries[1].count)
        swapped.replaceSubrange(a, with: entries[1])
        swapped.replaceSubrange(b, with: entries[0])
        #expect(ReleaseManifest(canonicalBytes: swapped) == nil)
    }

    /// How large a channel can be for a one-module push to travel in the notification
    /// (printed, not asserted beyond the demo's size: it is a measurement).
    @Test func measureWhichPushesFit() throws {
        for changedBytes in [300, 2_000, 8_000, 20_000] {
            let text = Self.typicalSource(bytes: changedBytes)
            var fits = 0
            for count in [1, 10, 20, 50, 80, 100, 120, 150, 200] {
                let (manifest, sources) = try Self.release(modules: count, changed: text)
                if try Self.signed(manifest, sources).notificationPayload() != nil { fits = count }
            }
            print("signed payload: a one-module push of a \(changedBytes)-byte module fits channels of up to \(fits) modules (2 signatures)")
        }
        let (manifest, sources) = try Self.release(modules: 10, changed: Self.typicalSource(bytes: 2_000))
        #expect(try Self.signed(manifest, sources).notificationPayload() != nil)
    }

    /// CEL-like text with the repetition of real modules.
    private static func typicalSource(bytes: Int) -> String {
        var text = ""
        var index = 0
        while text.utf8.count < bytes {
            text += "fn rule_\(index)(order) = order.total > \(index * 10) && order.country in [\"DE\", \"FR\"] ? order.total * 0.\(index % 10) : 0.0\n"
            index += 1
        }
        return text
    }
}
