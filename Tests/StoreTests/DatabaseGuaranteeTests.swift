import Foundation
import HotloadStore
import PostgresHarness
import PQ
import Testing

@Suite struct DatabaseGuaranteeTests {
    @Test func historyIsAppendOnly() async throws {
        let (store, _) = try await freshStore()
        try await store.push([module("a", "fn one() = 1\n")])
        let statements = [
            "UPDATE hotload.revisions SET source = 'x'",
            "DELETE FROM hotload.revisions",
            "TRUNCATE hotload.revisions CASCADE",
            "UPDATE hotload.releases SET message = 'rewritten'",
            "DELETE FROM hotload.releases",
            "TRUNCATE hotload.releases CASCADE",
            "UPDATE hotload.release_changes SET action = 'add'",
            "DELETE FROM hotload.release_changes",
            "TRUNCATE hotload.release_changes",
            "DELETE FROM hotload.modules",
        ]
        for sql in statements {
            await #expect(Comment(rawValue: sql)) {
                try await store.connection.execute(sql)
            } throws: { error in
                (error as? PQError)?.sqlState == "23001" && "\(error)".contains("append-only")
            }
        }
        #expect(try await store.show(module: "a").source == "fn one() = 1\n")
    }

    @Test func theDatabaseRecordsRoleAndTime() async throws {
        let (store, _) = try await freshStore()
        try await store.push([module("a", "fn one() = 1\n")])
        let rows = try await store.connection.query(
            "SELECT db_role = current_user AS same, created_at <= now() AS past FROM hotload.releases")
        #expect(try rows.first?.decode("same", as: Bool.self) == true)
        #expect(try rows.first?.decode("past", as: Bool.self) == true)
        // The hash is checked by the database too.
        await #expect(throws: PQError.self) {
            try await store.connection.execute("""
                INSERT INTO hotload.revisions (module, version, source, sha256, author)
                VALUES ('a', 99, 'x', repeat('0', 64), 'mallory')
                """)
        }
    }

    @Test func oneNotifyPerPushAndNoneWithoutRelease() async throws {
        let (store, url) = try await freshStore()
        let listener = try await Connection.connect(ConnectionConfiguration(url))
        try await listener.listen(ReleaseNotification.channelName)
        let result = try await store.push([module("a", "fn one() = 1\n"), module("b", "fn two() = 2\n")])
        let release = try #require(result.release)
        var received: [PQNotification] = []
        let deadline = ContinuousClock.now + .seconds(5)
        while received.isEmpty, ContinuousClock.now < deadline {
            received += try await listener.waitForNotifications(timeout: .milliseconds(500))
        }
        // Anything else would arrive together or right after.
        received += try await listener.waitForNotifications(timeout: .milliseconds(300))
        #expect(received.count == 1)
        #expect(received.first?.channel == ReleaseNotification.channelName)
        #expect(received.first?.payload == #"{"channel":"main","release":\#(release)}"#)
        #expect(received.first.flatMap { ReleaseNotification(payload: $0.payload) }
            == ReleaseNotification(channel: "main", release: release))

        // No change, a dry run and a refused push send nothing.
        _ = try await store.push([module("a", "fn one() = 1\n")])
        _ = try await store.push([module("a", "fn one() = 5\n")], options(dryRun: true))
        _ = try? await store.push([module("a", "fn one() = BROKEN\n")])
        #expect(try await listener.waitForNotifications(timeout: .milliseconds(500)).isEmpty)
        await listener.close()
    }

    @Test func concurrentPushersLoseNoUpdate() async throws {
        let (store, url) = try await freshStore()
        try await store.push([module("shared", "fn v() = 0\n")])
        let pushers = 8, rounds = 5
        try await withThrowingTaskGroup(of: Void.self) { group in
            for pusher in 0..<pushers {
                group.addTask {
                    let own = try await Store.connect(ConnectionConfiguration(url))
                    for round in 1...rounds {
                        try await own.push([module("p\(pusher)", "fn v() = \(round)\n"),
                                            module("shared", "fn v() = \(pusher * 100 + round)\n")],
                                           options("pusher \(pusher) round \(round)"))
                    }
                    await own.connection.close()
                }
            }
            try await group.waitForAll()
        }
        let log = try await store.log(limit: 100)
        #expect(log.count == 1 + pushers * rounds)
        // A linear chain: every release's parent is the one before it.
        for (newer, older) in zip(log, log.dropFirst()) { #expect(newer.parent == older.release) }
        let modules = try await store.modules()
        for pusher in 0..<pushers {
            #expect(modules.first { $0.module == "p\(pusher)" }?.version == rounds)
        }
        #expect(modules.first { $0.module == "shared" }?.version == 1 + pushers * rounds)
    }

    @Test func rolesHaveLeastPrivilege() async throws {
        let (store, dbURL) = try await freshStore()
        try await store.push([module("a", "fn one() = 1\n")])
        let node = uniqueRoleName("node"), pusher = uniqueRoleName("pusher"), reader = uniqueRoleName("reader")
        try await store.connection.execute("CREATE ROLE \(node) LOGIN IN ROLE hotload_node")
        try await store.connection.execute("CREATE ROLE \(pusher) LOGIN IN ROLE hotload_pusher")
        try await store.connection.execute("CREATE ROLE \(reader) LOGIN IN ROLE hotload_reader")

        let asNode = try await Store.connect(ConnectionConfiguration(url(dbURL, user: node)))
        #expect(try await asNode.show(module: "a").source == "fn one() = 1\n")
        #expect(try await asNode.manifest(release: try #require(try await asNode.head())).count == 1)
        await #expect {
            try await asNode.connection.execute("""
                INSERT INTO hotload.revisions (module, version, source, sha256, author)
                VALUES ('a', 2, 'x', encode(sha256('x'), 'hex'), 'node')
                """)
        } throws: { error in (error as? PQError)?.sqlState == "42501" }
        await #expect {
            try await asNode.push([module("a", "fn one() = 2\n")])
        } throws: { error in
            guard let error = error as? StoreError, error.code == .permissionDenied else { return false }
            return error.role == .pusher && "\(error)".contains("hotload_pusher")
        }

        let asReader = try await Store.connect(ConnectionConfiguration(url(dbURL, user: reader)))
        #expect(try await asReader.log().count == 1)
        await #expect(throws: StoreError.self) { try await asReader.push([module("a", "fn one() = 3\n")]) }

        let asPusher = try await Store.connect(ConnectionConfiguration(url(dbURL, user: pusher)))
        let pushed = try await asPusher.push([module("a", "fn one() = 4\n")])
        #expect(pushed.release != nil)
        let rows = try await store.connection.query(
            "SELECT db_role FROM hotload.releases WHERE id = $1", [.int(try #require(pushed.release))])
        #expect(try rows.first?.decode("db_role", as: String.self) == pusher)
        // Even pushers cannot rewrite history.
        await #expect(throws: PQError.self) {
            try await asPusher.connection.execute("UPDATE hotload.releases SET message = 'x'")
        }
        for connection in [asNode.connection, asReader.connection, asPusher.connection] { await connection.close() }
    }
}
