import Foundation
@testable import HotloadStore
import PQ
import Testing

/// The contract between `hotload.publish` (SQL) and the nodes (Swift): the notification's
/// channel, its payload, and the channel-name rule, each owned by one Swift type.
@Suite struct NotificationContractTests {
    private static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every `pg_notify` in `sql/` sends on `ReleaseNotification.channelName` with the
    /// payload format the parser reads (the SQL cannot use the Swift constant, so this test
    /// keeps the two spellings equal).
    @Test func sqlNotifiesOnTheSwiftChannelWithTheSwiftPayload() throws {
        let directory = Self.root.appendingPathComponent("sql")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }
        var calls: [(file: String, call: String)] = []
        for file in files {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n") where line.contains("pg_notify(") && !line.trimmingCharacters(in: .whitespaces).hasPrefix("--") {
                calls.append((text, String(line.trimmingCharacters(in: .whitespaces))))
            }
        }
        #expect(!calls.isEmpty, "no pg_notify in sql/")
        let format = ReleaseNotification(channel: "%s", release: 0).payload.replacingOccurrences(of: "0}", with: "%s}")
        // hotload.release_sign sends a pusher's signed payload only when it starts with this.
        let signedPrefix = ReleaseNotification(channel: "%s", release: 0, signed: "").payload
            .replacingOccurrences(of: #"0,"signed":""}"#, with: #"%s,"signed":""#)
        for (file, call) in calls {
            if call == "PERFORM pg_notify('\(ReleaseNotification.channelName)', payload);" {
                #expect(file.contains("prefix := format('\(signedPrefix)'"), "the signed payload is sent unchecked: \(call)")
                continue
            }
            #expect(call.contains("pg_notify('\(ReleaseNotification.channelName)', format('\(format)'"),
                    "sql/ notifies other than ReleaseNotification describes: \(call)")
        }
    }

    @Test func payloadRoundTripsAndOnlyTheExactFormParses() {
        let notification = ReleaseNotification(channel: "canary-2_x", release: 9_223_372_036_854_775_807)
        #expect(notification.payload == #"{"channel":"canary-2_x","release":9223372036854775807}"#)
        #expect(ReleaseNotification(payload: notification.payload) == notification)
        #expect(ReleaseNotification(payload: #"{"channel":"main","release":42}"#) == ReleaseNotification(channel: "main", release: 42))
        for bad in ["", "wake up", #"{"channel":"main""#, #"{"channel":"main","release":42"#,
                    #"{"channel":"main","release":42} "#, #"{ "channel":"main","release":42}"#,
                    #"{"channel":"Main","release":42}"#, #"{"channel":"","release":42}"#,
                    #"{"channel":"main\"x","release":42}"#, #"{"channel":"main","release":042}"#,
                    #"{"channel":"main","release":-1}"#, #"{"channel":"main","release":}"#,
                    #"{"channel":"main","release":9223372036854775808}"#,
                    #"{"channel":"main","release":42,"x":1}"#, #"{"release":42,"channel":"main"}"#] {
            #expect(ReleaseNotification(payload: bad) == nil, Comment(rawValue: bad))
        }
    }

    /// `ChannelName` accepts exactly what the `hotload.channels` CHECK accepts (`main` exists
    /// already, so it is not among the names).
    @Test func channelNameRuleEqualsTheDatabaseCheck() async throws {
        let (store, _) = try await freshStore()
        let names = ["prod", "a", "a-b_c9", "z0", String(repeating: "a", count: 63), String(repeating: "a", count: 64),
                     "", "A", "Main", "1a", "_a", "-a", "a b", "a.b", "a/b", "a\n", "mäin", "a\u{1B}", "aé"]
        for name in names {
            let accepted = try await Self.insertChannel(name, store.connection)
            #expect(ChannelName.isValid(name) == accepted, Comment(rawValue: name.debugDescription))
        }
        await store.connection.close()
    }

    /// False when the CHECK refused the name.
    private static func insertChannel(_ name: String, _ conn: Connection) async throws -> Bool {
        do {
            try await conn.execute("INSERT INTO hotload.channels (name) VALUES ($1)", [.text(name)])
            return true
        } catch where error.sqlState == "23514" {
            return false
        }
    }

    /// `Benchmarks/Sources/notify-floor` (C) times the nodes' target statement: its copy is
    /// the store's statement, token for token.
    @Test func notifyFloorRunsTheStoresHeadStatement() throws {
        let source = try String(contentsOf: Self.root.appendingPathComponent("Benchmarks/Sources/notify-floor/main.c"),
                                encoding: .utf8)
        let start = try #require(source.range(of: "static const char *head_statement ="))
        let end = try #require(source.range(of: ";", range: start.upperBound..<source.endIndex))
        // The C string literals, concatenated.
        let literals = source[start.upperBound..<end.lowerBound].split(separator: "\n").compactMap { line -> String? in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("\""), trimmed.hasSuffix("\""), trimmed.count >= 2 else { return nil }
            return String(trimmed.dropFirst().dropLast())
        }.joined()
        #expect(Self.words(literals) == Self.words(NodeSession.targetStatement.sql))
    }

    private static func words(_ sql: String) -> [Substring] {
        sql.split(whereSeparator: { $0 == " " || $0 == "\n" })
    }
}
