/// The wake-up of the nodes: `hotload.publish` (`sql/0201_publish.sql`, `0300`, `0400`)
/// sends it on `ReleaseNotification.channelName` when it moves a channel's head, and
/// `hotload.notify_release` (`sql/0301_node_rollouts.sql`) sends the same payload when a
/// rollout step, promote, abort or pin changes what some node of the channel should run.
/// A signing push sends its one notification through `hotload.release_sign` (`0400`), with
/// the signed release attached when it fits (`SignedReleasePayload`). PostgreSQL delivers
/// it at commit. Nodes LISTEN on that channel and re-read their target, or apply a signed
/// release they can verify.
///
/// The payload is `{"channel":"<channel>","release":<id>}`, exactly (no spaces), or
/// `{"channel":"<channel>","release":<id>,"signed":"<base64>"}`. Any role that can connect
/// may send anything on the channel, so a notification is only a hint unless its signed
/// part verifies: a payload that does not parse says nothing about which channel moved.
public struct ReleaseNotification: Sendable, Hashable {
    /// The PostgreSQL notification channel (the one spelling in Swift; the SQL in `sql/`
    /// sends on it, and a test checks that the two agree).
    public static let channelName = "hotload_release"

    /// PostgreSQL refuses a payload of 8000 bytes or more.
    public static let maxPayloadBytes = 7999

    /// The Hotload channel where something changed.
    public var channel: String
    /// The release the change is about: a push's new head, a rollout's candidate, a pin's
    /// release. Nodes act on the channel only: they re-read what they should run.
    public var release: Int64
    /// The base64 text of the signed release (`SignedReleasePayload(signed:)` decodes and
    /// checks it), when the payload carries one. Not verified: anyone may send anything.
    public var signed: String?

    public init(channel: String, release: Int64, signed: String? = nil) {
        self.channel = channel
        self.release = release
        self.signed = signed
    }

    /// The payload as the SQL writes it. Channel names (`ChannelName`) and base64 need no
    /// JSON escaping.
    public var payload: String {
        let head = #"{"channel":""# + channel + #"","release":"# + String(release)
        guard let signed else { return head + "}" }
        return head + #","signed":""# + signed + #""}"#
    }

    private static let prefix = Array(#"{"channel":""#.utf8)
    private static let middle = Array(#"","release":"#.utf8)
    private static let signedField = Array(#","signed":""#.utf8)

    /// Parses a payload; nil unless it is exactly what `payload` writes, with a valid
    /// channel name, a positive release id and, if signed, non-empty base64. Runs on every
    /// node for every notification, so it walks the bytes once instead of decoding JSON.
    public init?(payload: String) {
        var text = payload
        text.makeContiguousUTF8()
        guard let parsed = text.utf8.withContiguousStorageIfAvailable(Self.parse) ?? nil else { return nil }
        self = parsed
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> ReleaseNotification? {
        let prefixEnd = prefix.count
        guard bytes.count > prefixEnd + middle.count + 2, bytes.last == UInt8(ascii: "}"),
              bytes[..<prefixEnd].elementsEqual(prefix),
              let quote = bytes[prefixEnd...].firstIndex(of: UInt8(ascii: "\""))
        else { return nil }
        let name = UnsafeBufferPointer(rebasing: bytes[prefixEnd..<quote])
        let digitsStart = quote + middle.count
        guard ChannelName.isValid(name), digitsStart < bytes.count - 1,
              bytes[quote..<digitsStart].elementsEqual(middle),
              bytes[digitsStart] != UInt8(ascii: "0")
        else { return nil }
        var release: Int64 = 0
        var index = digitsStart
        while index < bytes.count - 1, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            let (shifted, overflowA) = release.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = shifted.addingReportingOverflow(Int64(bytes[index] - UInt8(ascii: "0")))
            guard !overflowA, !overflowB else { return nil }
            release = sum
            index += 1
        }
        guard index > digitsStart else { return nil }
        let channel = String(decoding: name, as: UTF8.self)
        if index == bytes.count - 1 { return ReleaseNotification(channel: channel, release: release) }
        // `,"signed":"` base64 `"}`
        let base64Start = index + signedField.count
        guard base64Start < bytes.count - 2, bytes[index..<base64Start].elementsEqual(signedField),
              bytes[bytes.count - 2] == UInt8(ascii: "\""),
              bytes[base64Start..<(bytes.count - 2)].allSatisfy(isBase64)
        else { return nil }
        let signed = String(decoding: UnsafeBufferPointer(rebasing: bytes[base64Start..<(bytes.count - 2)]), as: UTF8.self)
        return ReleaseNotification(channel: channel, release: release, signed: signed)
    }

    private static func isBase64(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="):
            true
        default:
            false
        }
    }
}
