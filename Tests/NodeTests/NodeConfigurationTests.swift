import Testing
@testable import HotloadNode
import HotloadStore

@Suite struct NodeConfigurationTests {
    @Test func notificationsForOtherChannelsAreIgnored() {
        let node = Node(configuration: NodeConfiguration(channel: "main", name: "n"))
        #expect(node.classify(ReleaseNotification(payload: #"{"channel":"main","release":42}"#)) == .hint)
        #expect(node.classify(ReleaseNotification(payload: #"{"channel":"canary","release":43}"#)) == .otherChannel)
        #expect(node.classify(ReleaseNotification(payload: #"{"channel":"main-2","release":43}"#)) == .otherChannel)
        // Anything else is a hint for everybody.
        #expect(node.classify(ReleaseNotification(payload: "")) == .hint)
        #expect(node.classify(ReleaseNotification(payload: "wake up")) == .hint)
    }

    @Test func invalidConfigurationsAreRefusedWithAReason() {
        #expect(throws: NodeConfigurationError.self) { try NodeConfiguration(channel: "Main").validate() }
        #expect(throws: NodeConfigurationError.self) { try NodeConfiguration(name: "").validate() }
        #expect(throws: NodeConfigurationError.self) { try NodeConfiguration(pollInterval: .zero).validate() }
        #expect(throws: NodeConfigurationError.self) { try NodeConfiguration(minSyncInterval: .zero).validate() }
        #expect(throws: NodeConfigurationError.self) {
            try NodeConfiguration(backoffInitial: .seconds(10), backoffCap: .seconds(1)).validate()
        }
        #expect(throws: Never.self) { try NodeConfiguration(channel: "canary_2-b", name: "node 1").validate() }
        // 100 ms is the shortest poll of a node that does not listen; a listening node may poll
        // more often (its polls are still spaced by the minimum sync interval).
        #expect(throws: NodeConfigurationError.self) {
            try NodeConfiguration(pollInterval: .milliseconds(99), listensForNotifications: false).validate()
        }
        #expect(throws: Never.self) {
            try NodeConfiguration(pollInterval: .milliseconds(100), listensForNotifications: false).validate()
        }
        #expect(throws: Never.self) { try NodeConfiguration(pollInterval: .milliseconds(10)).validate() }
    }

    /// Half the poll interval, never under 2.5 s: a short poll must not make the backstop
    /// refuse, on slow nodes only, what the counted limits accept.
    @Test func theLinkTimeLimitIsHalfThePollButAtLeastTwoAndAHalfSeconds() {
        #expect(NodeConfiguration(pollInterval: .seconds(10)).linkTimeLimit == .seconds(5))
        #expect(NodeConfiguration(pollInterval: .seconds(5)).linkTimeLimit == .milliseconds(2500))
        #expect(NodeConfiguration(pollInterval: .milliseconds(100), listensForNotifications: false).linkTimeLimit
                == .milliseconds(2500))
    }

    @Test func keepalivesAreAddedUnlessChosen() {
        #expect(ConnectionSettings.withKeepalives("postgresql://h/db").hasPrefix("postgresql://h/db?keepalives=1&keepalives_idle=5"))
        #expect(ConnectionSettings.withKeepalives("postgresql://h/db?sslmode=disable").contains("sslmode=disable&keepalives=1"))
        #expect(ConnectionSettings.withKeepalives("host=h dbname=d").hasPrefix("host=h dbname=d keepalives=1 "))
        #expect(ConnectionSettings.withKeepalives(nil).hasPrefix("keepalives=1 "))
        // A `?` in the password is not the query.
        #expect(ConnectionSettings.withKeepalives("postgresql://u:p?x#y@h/db").hasPrefix("postgresql://u:p?x#y@h/db?keepalives=1&"))
        #expect(ConnectionSettings.withKeepalives("postgresql://u:p?x@h/db?a=b").hasPrefix("postgresql://u:p?x@h/db?a=b&keepalives=1&"))
        #expect(!ConnectionSettings.withKeepalives("host=h keepalives_idle=60").contains("keepalives_idle=5"))
    }
}
