/// The wake-up of the nodes: `hotload.publish` (`sql/0201_publish.sql`, `0300`) calls
/// `pg_notify` on `ReleaseNotification.channelName` when it moves a channel's head, and
/// `hotload.notify_release` (`sql/0301_node_rollouts.sql`) sends the same payload when a
/// rollout step, promote, abort or pin changes what some node of the channel should run.
/// PostgreSQL delivers it at commit. Nodes LISTEN on that channel and re-read their target.
///
/// The payload is `{"channel":"<channel>","release":<id>}`, exactly (no spaces). Any role
/// that can connect may send anything on the channel, so a notification is only a hint:
/// a payload that does not parse says nothing about which channel moved.
public struct ReleaseNotification: Sendable, Hashable {
    /// The PostgreSQL notification channel (the one spelling in Swift; the SQL in `sql/`
    /// sends on it, and a test checks that the two agree).
    public static let channelName = "hotload_release"

    /// The Hotload channel where something changed.
    public var channel: String
    /// The release the change is about: a push's new head, a rollout's candidate, a pin's
    /// release. Nodes act on the channel only: they re-read what they should run.
    public var release: Int64

    public init(channel: String, release: Int64) {
        self.channel = channel
        self.release = release
    }

    /// The payload as `hotload.publish` writes it. Channel names (`ChannelName`) need no
    /// JSON escaping.
    public var payload: String {
        #"{"channel":""# + channel + #"","release":"# + String(release) + "}"
    }

    private static let prefix = Array(#"{"channel":""#.utf8)
    private static let middle = Array(#"","release":"#.utf8)

    /// Parses a payload; nil unless it is exactly what `payload` writes, with a valid
    /// channel name and a positive release id. Runs on every node for every notification,
    /// so it walks the bytes once instead of decoding JSON.
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
        for byte in bytes[digitsStart..<(bytes.count - 1)] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (shifted, overflowA) = release.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = shifted.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflowA, !overflowB else { return nil }
            release = sum
        }
        return ReleaseNotification(channel: String(decoding: name, as: UTF8.self), release: release)
    }
}
