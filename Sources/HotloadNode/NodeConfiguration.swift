import Foundation
import CEL
import HotloadModules
import HotloadStore

/// How a `Node` connects, what it follows and how it behaves when things fail.
public struct NodeConfiguration: Sendable {
    /// A `postgresql://` URL or a libpq conninfo string; nil or empty uses libpq's
    /// environment defaults (`PGHOST`, `PGDATABASE`, ...).
    public var database: String?
    /// The channel whose head release the node runs.
    public var channel: String
    /// The node's name in the status table; unique per running node.
    public var name: String
    /// How often the head is re-read even without a notification: the safety net of a
    /// listening node, the only wake-up of one that does not listen. Any positive value for
    /// a listening node, at least `minimumPollInterval` for one that does not; polls are
    /// also spaced by `minSyncInterval`.
    public var pollInterval: Swift.Duration
    /// Whether the node opens a listener connection and is woken by NOTIFY (the default).
    /// A node that does not listen holds one connection only and reads the head every
    /// `pollInterval`: a release reaches it about half a poll interval after its commit on
    /// average (a whole one at worst), for one small prepared statement per poll. It suits
    /// poolers in transaction mode, hot standbys and very large fleets. Signed releases are
    /// never applied from a notification then: the node reads them like any other.
    public var listensForNotifications: Bool
    /// The first reconnect delay (doubled per failure, jittered).
    public var backoffInitial: Swift.Duration
    /// The longest reconnect delay.
    public var backoffCap: Swift.Duration
    /// After this long without traffic the listener sends a ping to detect a dead peer.
    public var pingInterval: Swift.Duration
    /// How often the status row is refreshed.
    public var heartbeatInterval: Swift.Duration
    /// Host functions and variables the modules may use.
    public var host: HostEnvironment
    /// Evaluation limits for the modules.
    public var limits: Limits
    /// When set, the last good release's sources are cached here, and a node that cannot
    /// reach the database at start serves them (marked stale) while it keeps trying.
    public var cacheDirectory: String?
    /// How long to wait for a connection.
    public var connectTimeout: Swift.Duration
    /// The shortest time between two head reads. Notifications are only hints that any
    /// role able to connect may send: however many arrive, a node reads the head at most
    /// once per interval (poll ticks and reconnects included), and a release they announce
    /// is read within one interval.
    public var minSyncInterval: Swift.Duration
    /// The keys a release must be signed by (a fixed `TrustPolicy` or a trust file the node
    /// reloads when it changes); nil runs unsigned releases.
    public var trust: NodeTrust?

    public init(database: String? = nil, channel: String = "main", name: String? = nil,
                pollInterval: Swift.Duration = .seconds(5), backoffInitial: Swift.Duration = .milliseconds(50),
                backoffCap: Swift.Duration = .seconds(5), pingInterval: Swift.Duration = .seconds(10),
                heartbeatInterval: Swift.Duration = .seconds(5), host: HostEnvironment = HostEnvironment(),
                limits: Limits = .default, cacheDirectory: String? = nil,
                connectTimeout: Swift.Duration = .seconds(10), minSyncInterval: Swift.Duration = .milliseconds(100),
                trust: NodeTrust? = nil, listensForNotifications: Bool = true) {
        self.database = database
        self.channel = channel
        self.name = name ?? NodeConfiguration.defaultName()
        self.pollInterval = pollInterval
        self.backoffInitial = backoffInitial
        self.backoffCap = backoffCap
        self.pingInterval = pingInterval
        self.heartbeatInterval = heartbeatInterval
        self.host = host
        self.limits = limits
        self.cacheDirectory = cacheDirectory
        self.connectTimeout = connectTimeout
        self.minSyncInterval = minSyncInterval
        self.trust = trust
        self.listensForNotifications = listensForNotifications
    }

    /// The shortest poll interval of a node that does not listen: 100 ms.
    public static let minimumPollInterval: Swift.Duration = .milliseconds(100)

    /// How long linking a release may take before it is refused (E412): half the poll
    /// interval, so that a release pushed to fix a refused one is still applied within about
    /// one poll, but never less than 2.5 s (half the default poll): with a short poll
    /// (100 ms without listening) the backstop must not refuse, on slow nodes only, releases
    /// that the counted limits accept.
    package var linkTimeLimit: Swift.Duration {
        max(pollInterval / 2, .milliseconds(2500))
    }

    /// `host-pid`: unique among the processes of one machine.
    public static func defaultName() -> String {
        "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// Checks everything that can be checked without the database.
    public func validate() throws(NodeConfigurationError) {
        if !ChannelName.isValid(channel) {
            throw NodeConfigurationError(.invalidChannel, setting: "channel",
                                         "channel '\(channel)' is not a valid channel name (\(ChannelName.rule))")
        }
        if name.isEmpty || name.utf8.count > 200 || name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw NodeConfigurationError(.invalidName, setting: "name", "node name must be 1 to 200 printable characters")
        }
        for (setting, label, value) in [
            ("pollInterval", "poll interval", pollInterval), ("backoffInitial", "initial backoff", backoffInitial),
            ("backoffCap", "backoff cap", backoffCap), ("pingInterval", "ping interval", pingInterval),
            ("heartbeatInterval", "heartbeat interval", heartbeatInterval),
            ("connectTimeout", "connect timeout", connectTimeout),
            ("minSyncInterval", "minimum sync interval", minSyncInterval),
        ] where value <= .zero {
            throw NodeConfigurationError(.nonPositiveDuration, setting: setting, "\(label) must be positive")
        }
        if !listensForNotifications && pollInterval < Self.minimumPollInterval {
            throw NodeConfigurationError(.pollIntervalTooShort, setting: "pollInterval",
                                         "poll interval must be at least 100 ms for a node that does not listen for notifications")
        }
        if backoffCap < backoffInitial {
            throw NodeConfigurationError(.backoffCapTooSmall, setting: "backoffCap",
                                         "backoff cap must not be smaller than the initial backoff")
        }
    }
}

/// A configuration the node refuses before touching the network: a stable `code`, a
/// `message`, and the `setting` (the `NodeConfiguration` property) it is about.
public struct NodeConfigurationError: Error, Sendable, CustomStringConvertible {
    /// A stable identifier of the kind of refusal (snake_case; never changes meaning).
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The channel is not a valid channel name.
        public static let invalidChannel = Code(rawValue: "invalid_channel")
        /// The node name is empty, too long or holds control characters.
        public static let invalidName = Code(rawValue: "invalid_name")
        /// An interval or timeout is not positive.
        public static let nonPositiveDuration = Code(rawValue: "non_positive_duration")
        /// A node that does not listen polls more often than `NodeConfiguration.minimumPollInterval`.
        public static let pollIntervalTooShort = Code(rawValue: "poll_interval_too_short")
        /// The backoff cap is smaller than the initial backoff.
        public static let backoffCapTooSmall = Code(rawValue: "backoff_cap_too_small")
    }

    /// What kind of refusal this is.
    public let code: Code
    /// The `NodeConfiguration` property the refusal is about (`channel`, `pollInterval`, ...).
    public let setting: String
    /// What is wrong with it.
    public let message: String

    init(_ code: Code, setting: String, _ message: String) {
        self.code = code
        self.setting = setting
        self.message = message
    }

    /// `invalid node configuration: ` and the message.
    public var description: String { "invalid node configuration: \(message)" }
}
