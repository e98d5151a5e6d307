/// The wake-up every release sends: `hotload.publish` (`sql/0201_publish.sql`) calls
/// `pg_notify` on `ReleaseNotification.channelName` when it moves a channel's head, and
/// PostgreSQL delivers it at commit. Nodes LISTEN on that channel and re-read the head.
///
/// The payload is `{"channel":"<channel>","release":<id>}`, exactly (no spaces). Any role
/// that can connect may send anything on the channel, so a notification is only a hint:
/// a payload that does not parse says nothing about which channel moved.
public struct ReleaseNotification: Sendable, Hashable {
    /// The PostgreSQL notification channel (the one spelling in Swift; the SQL in `sql/`
    /// sends on it, and a test checks that the two agree).
    public static let channelName = "hotload_release"

    /// The Hotload channel whose head moved.
    public var channel: String
    /// The channel's new head.
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
    /// channel name and a positive release id. Runs on every node for every release, so it
    /// walks the bytes once instead of decoding JSON.
    public init?(payload: String) {
        var utf8 = payload.utf8[...]
        guard utf8.starts(with: Self.prefix) else { return nil }
        utf8 = utf8.dropFirst(Self.prefix.count)
        guard let quote = utf8.firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        let name = utf8[..<quote]
        guard ChannelName.isValid(name) else { return nil }
        utf8 = utf8[quote...]
        guard utf8.starts(with: Self.middle), utf8.last == UInt8(ascii: "}") else { return nil }
        let digits = utf8.dropFirst(Self.middle.count).dropLast()
        guard let first = digits.first, first != UInt8(ascii: "0"), digits.count <= 19,
              digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let release = Int64(Substring(digits))
        else { return nil }
        self.init(channel: String(Substring(name)), release: release)
    }
}
