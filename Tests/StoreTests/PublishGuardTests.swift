import Foundation
@testable import HotloadStore
import PostgresHarness
import PQ
import Testing

/// Issue 8, items 6 and 7: a pusher with plain SQL can neither rewrite the module set
/// nodes load nor move a head other than with a new release of that channel.
@Suite struct PublishGuardTests {
    /// A fresh store with releases on two channels and a pusher login connected to it.
    private static func setUp() async throws -> (store: Store, pusher: Connection, role: String, main: Int64, canary: Int64) {
        let (store, dbURL) = try await freshStore()
        let main = try #require(try await store.push([module("a", "fn one() = 1\n")]).release)
        let canary = try #require(try await store.push([module("a", "fn one() = 2\n")], options(channel: "canary")).release)
        let role = uniqueRoleName("pusher")
        try await store.connection.execute("CREATE ROLE \(role) LOGIN IN ROLE hotload_pusher")
        let pusher = try await Connection.connect(ConnectionConfiguration(url(dbURL, user: role)))
        return (store, pusher, role, main, canary)
    }

    /// The SQLSTATE `sql` fails with; nil when it succeeds.
    private static func state(_ conn: Connection, _ sql: String, _ parameters: [PQValue] = []) async -> String? {
        do throws(PQError) {
            try await conn.execute(sql, parameters)
            return nil
        } catch {
            return error.sqlState ?? "?"
        }
    }

    @Test func pushersCannotWriteHistoryTablesDirectly() async throws {
        let (store, pusher, role, main, canary) = try await Self.setUp()
        let attacks = [
            // Point main's head at canary's release.
            "UPDATE hotload.channels SET head = \(canary) WHERE name = 'main'",
            // Add a change to an old, published release.
            "INSERT INTO hotload.release_changes (release, channel, module, version, action) VALUES (\(main), 'main', 'a', 2, 'rollback')",
            // A counter that makes the module unpushable.
            "UPDATE hotload.modules SET latest_version = 2147483647",
            "INSERT INTO hotload.modules (name) VALUES ('evil')",
            "INSERT INTO hotload.revisions (module, version, source, sha256, author) VALUES ('a', 3, 'x', encode(sha256('x'), 'hex'), 'm')",
            "INSERT INTO hotload.channels (name) VALUES ('evil')",
            "INSERT INTO hotload.releases (channel, parent, author) VALUES ('main', \(main), 'm')",
            "INSERT INTO hotload.channel_modules (channel, module, version, sha256, release) SELECT 'main', 'a', 2, sha256, \(canary) FROM hotload.revisions WHERE version = 2",
            "SELECT nextval('hotload.releases_id_seq')",
            "ALTER TABLE hotload.releases DISABLE TRIGGER releases_append_only",
        ]
        for sql in attacks {
            #expect(await Self.state(pusher, sql) == "42501", Comment(rawValue: sql))
        }
        #expect(try await store.head(channel: "main") == main)
        #expect(try await store.modules().first?.version == 1)

        // The push path itself still works for the pusher, recorded under its login.
        let asPusher = Store(connection: pusher)
        let pushed = try #require(try await asPusher.push([module("a", "fn one() = 3\n")]).release)
        let rows = try await store.connection.query("SELECT db_role FROM hotload.releases WHERE id = $1", [.int(pushed)])
        #expect(try rows.first?.decode("db_role", as: String.self) == role)
        await pusher.close()
    }

    @Test func publishRefusesEverythingButTheNextReleaseOfTheChannel() async throws {
        let (store, pusher, _, main, canary) = try await Self.setUp()
        let publish = """
            SELECT hotload.publish($1, $2, 'm', '', false, $3::text[], $4::text[], $5::integer[], $6::text[])
            """
        func attempt(_ channel: String, parent: Int64?, _ modules: String, _ actions: String,
                     _ versions: String, _ sources: String) async throws -> String? {
            try await pusher.execute("BEGIN")
            let state = await Self.state(
                pusher, publish, [.text(channel), parent.map { .int($0) } ?? .null, .text(modules), .text(actions),
                                  .text(versions), .text(sources)])
            try await pusher.execute("ROLLBACK")
            return state
        }
        // Canary's release as main's parent, an old parent, no parent: the head moved.
        #expect(try await attempt("main", parent: canary, "{a}", "{modify}", "{NULL}", "{x}") == "HL001")
        #expect(try await attempt("main", parent: nil, "{a}", "{modify}", "{NULL}", "{x}") == "HL001")
        // Changes that do not fit the head.
        let misfits = [
            ("{}", "{}", "{}", "{}"),                                  // nothing
            ("{a,a}", "{modify,modify}", "{NULL,NULL}", "{x,y}"),      // a module twice
            ("{a}", "{add}", "{NULL}", "{x}"),                         // add of a present module
            ("{b}", "{modify}", "{NULL}", "{x}"),                      // modify of an absent one
            ("{a}", "{modify}", "{NULL}", "{\"fn one() = 1\n\"}"),     // modify to the same content
            ("{b}", "{delete}", "{NULL}", "{NULL}"),                   // delete of an absent one
            ("{a}", "{rollback}", "{99}", "{NULL}"),                   // unknown version
            ("{a}", "{rollback}", "{1}", "{NULL}"),                    // the current version
            ("{a}", "{rewrite}", "{NULL}", "{x}"),                     // unknown action
            ("{a}", "{modify}", "{NULL,NULL}", "{x}"),                 // mismatched arrays
        ]
        for (modules, actions, versions, sources) in misfits {
            #expect(try await attempt("main", parent: main, modules, actions, versions, sources) == "22023",
                    "\(modules) \(actions) \(versions) \(sources)")
        }
        // Control characters in the author.
        try await pusher.execute("BEGIN")
        #expect(await Self.state(pusher, """
            SELECT hotload.publish('main', \(main), E'mallory\\x1b[2J', '', false, '{a}', '{modify}', '{NULL}', '{x}')
            """) == "22023")
        try await pusher.execute("ROLLBACK")
        // The right call works: one release on main, parent the old head.
        let rows = try await pusher.query(publish, [.text("main"), .int(main), .text("{a}"), .text("{modify}"),
                                                    .text("{NULL}"), .text("{\"fn one() = 9\"}")])
        let release = try #require(try rows.first?.decode("publish", as: Int64.self))
        #expect(try await store.head(channel: "main") == release)
        #expect(try await store.log(limit: 1).first?.parent == main)
        await pusher.close()
    }

    @Test func foreignKeysBindTheOwnerToo() async throws {
        let (store, pusher, _, main, canary) = try await Self.setUp()
        await pusher.close()
        try await store.push([module("a", "fn one() = 2\n"), module("b", "fn two() = 2\n")], options(channel: "canary"))
        // As a superuser: no grant stops it, the (release, channel) keys do.
        #expect(await Self.state(store.connection, "UPDATE hotload.channels SET head = \(canary) WHERE name = 'main'")
                == "23503")
        #expect(await Self.state(store.connection, """
            INSERT INTO hotload.release_changes (release, channel, module, version, action)
            VALUES (\(main), 'canary', 'b', 1, 'rollback')
            """) == "23503")
    }

    @Test func securityDefinerFunctionsAreNotCallableByPublic() async throws {
        let (store, pusher, _, _, _) = try await Self.setUp()
        let publicFunctions = try await store.count("""
            SELECT count(*)::bigint AS n FROM pg_proc p
            WHERE p.pronamespace = 'hotload'::regnamespace
              AND (p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0))
            """)
        #expect(publicFunctions == 0)

        // The attack: attach the channel_modules trigger to a temporary table and insert a
        // forged change; the function would rewrite what nodes load, as the schema owner.
        try await pusher.execute("CREATE TEMP TABLE forged (LIKE hotload.release_changes)")
        #expect(await Self.state(pusher, """
            CREATE TRIGGER forge AFTER INSERT ON forged REFERENCING NEW TABLE AS new_changes
            FOR EACH STATEMENT EXECUTE FUNCTION hotload.track_channel_modules()
            """) == "42501")
        for function in ["hotload.refuse_rewrite()", "hotload.stamp_release()", "hotload.stamp_revision()"] {
            #expect(await Self.state(pusher, """
                CREATE TRIGGER forge_\(function.dropFirst(8).prefix(6)) BEFORE INSERT ON forged
                FOR EACH ROW EXECUTE FUNCTION \(function)
                """) == "42501", Comment(rawValue: function))
        }
        await pusher.close()

        // Even attached by a superuser, the function refuses to run on another table.
        try await store.connection.execute("CREATE TEMP TABLE forged (LIKE hotload.release_changes)")
        try await store.connection.execute("""
            CREATE TRIGGER forge AFTER INSERT ON forged REFERENCING NEW TABLE AS new_changes
            FOR EACH STATEMENT EXECUTE FUNCTION hotload.track_channel_modules()
            """)
        await #expect {
            try await store.connection.execute("INSERT INTO forged VALUES (1, 'main', 'a', 1, 'rollback')")
        } throws: { error in
            (error as? PQError)?.sqlState == "42501" && "\(error)".contains("runs only as")
        }
        #expect(try await store.modules().first?.version == 1)
    }

    @Test func authorsAndMessagesWithControlCharactersAreRefusedBeforeTheDatabase() async throws {
        let (store, _) = try await freshStore()
        for (author, message) in [("evil\u{1B}[2J", "m"), ("a", "clear\u{1B}c"), ("a", "cr\r")] {
            await #expect {
                try await store.push([module("a", "fn one() = 1\n")], options(message, author: author))
            } throws: { error in
                guard let error = error as? StoreError, [.invalidAuthor, .invalidMessage].contains(error.code) else {
                    return false
                }
                return error.message.contains("control characters")
            }
        }
        let multiLine = try await store.push([module("a", "fn one() = 1\n")], options("subject\n\n\tbody"))
        #expect(multiLine.release != nil)
        #expect(try await store.log().first?.message == "subject\n\n\tbody")
    }

    @Test func controlCharactersAreEscapedForTerminals() {
        #expect(TerminalText.escaping("plain text/é") == "plain text/é")
        #expect(TerminalText.escaping("a\u{1B}[2Jb\r\n\t\u{7F}\u{9B}") == #"a\u{1B}[2Jb\r\n\t\u{7F}\u{9B}"#)
        #expect(TerminalText.escaping("line\n\tnext\u{1B}", keepingLineBreaks: true) == "line\n\tnext\\u{1B}")
    }
}
