import Foundation
@testable import HotloadStore
import PostgresHarness
import PQ
import Testing

/// Issue 8, item 8: no login owns the schema, so no login can disable its triggers.
@Suite struct OwnershipTests {
    @Test func theNologinOwnerRoleOwnsEverything() async throws {
        let (store, _) = try await freshStore()
        let foreign = try await store.count("""
            SELECT (SELECT count(*) FROM pg_class WHERE relnamespace = 'hotload'::regnamespace
                      AND relowner <> 'hotload_owner'::regrole)
                 + (SELECT count(*) FROM pg_proc WHERE pronamespace = 'hotload'::regnamespace
                      AND proowner <> 'hotload_owner'::regrole)
                 + (SELECT count(*) FROM pg_namespace WHERE nspname = 'hotload'
                      AND nspowner <> 'hotload_owner'::regrole) AS n
            """)
        #expect(foreign == 0)
        #expect(try await store.count(
            "SELECT count(*) AS n FROM pg_roles WHERE rolname = 'hotload_owner' AND NOT rolcanlogin") == 1)
    }

    /// A database initialised by an older version, as a login that then owned everything,
    /// upgrades cleanly; afterwards that login can no longer disable the append-only
    /// triggers, and only an administrator may run the upgrade.
    @Test func anOlderSchemaUpgradesAndItsLoginLosesOwnership() async throws {
        let dbURL = try await freshDatabase()
        let admin = try await Store.connect(ConnectionConfiguration(dbURL))
        let database = try #require(try await admin.connection.query("SELECT current_database() AS d").first?
            .decode("d", as: String.self))
        let initializer = uniqueRoleName("initializer")
        try await admin.connection.execute("CREATE ROLE \(initializer) LOGIN CREATEROLE")
        try await admin.connection.execute("GRANT CREATE ON DATABASE \"\(database)\" TO \(initializer)")

        let asInitializer = try await Store.connect(ConnectionConfiguration(url(dbURL, user: initializer)))
        let older = Migrations.all.filter { $0.name < "0200" }
        #expect(try await asInitializer.apply(older) == older.map(\.name))
        // One release, written as the older version's push did.
        try await asInitializer.connection.executeScript("""
            INSERT INTO hotload.modules (name, latest_version) VALUES ('a', 1);
            INSERT INTO hotload.revisions (module, version, source, sha256, author)
                VALUES ('a', 1, E'fn one() = 1\\n', encode(sha256(E'fn one() = 1\\n'), 'hex'), 'old');
            INSERT INTO hotload.releases (channel, author) VALUES ('main', 'old');
            INSERT INTO hotload.release_changes (release, channel, module, version, action)
                SELECT id, 'main', 'a', 1, 'add' FROM hotload.releases;
            UPDATE hotload.channels SET head = (SELECT max(id) FROM hotload.releases);
            """)
        // The hole: the login owns the tables and can switch the append-only guard off.
        try await asInitializer.connection.execute("ALTER TABLE hotload.releases DISABLE TRIGGER releases_append_only")
        try await asInitializer.connection.execute("ALTER TABLE hotload.releases ENABLE TRIGGER releases_append_only")

        // Not an administrator: the upgrade is refused with the grant that would allow it.
        await #expect {
            _ = try await asInitializer.migrate()
        } throws: { error in
            guard let error = error as? StoreError, error.code == .notAdministrator else { return false }
            return error.loginRole == initializer && "\(error)".contains("GRANT hotload_owner TO \(initializer)")
        }

        // A superuser upgrades; the history stays, pushes work, the login owns nothing.
        #expect(try await admin.migrate() == Migrations.all.filter { $0.name >= "0200" }.map(\.name))
        await #expect {
            try await asInitializer.connection.execute("ALTER TABLE hotload.releases DISABLE TRIGGER releases_append_only")
        } throws: { error in (error as? PQError)?.sqlState == "42501" }
        #expect(try await admin.log().count == 1)
        let pushed = try await admin.push([module("a", "fn one() = 2\n")])
        #expect(pushed.changes == [ReleaseChange(module: "a", version: 2, action: .modify)])
        #expect(try await admin.manifest(release: try #require(pushed.release)).first?.version == 2)

        await asInitializer.connection.close()
        _ = try? await admin.connection.execute("REVOKE CREATE ON DATABASE \"\(database)\" FROM \(initializer)")
        _ = try? await admin.connection.execute("DROP ROLE \(initializer)")
        await admin.connection.close()
    }

    /// An administrator need not be a superuser: a member of hotload_owner initialises a
    /// fresh database, and what it creates ends up owned by hotload_owner, not by its login.
    @Test func aMemberOfTheOwnerRoleInitialises() async throws {
        _ = try await freshStore()  // the cluster-wide group roles exist from here on
        let dbURL = try await freshDatabase()
        let admin = try await Store.connect(ConnectionConfiguration(dbURL))
        let database = try #require(try await admin.connection.query("SELECT current_database() AS d").first?
            .decode("d", as: String.self))
        let member = uniqueRoleName("administrator")
        try await admin.connection.execute("CREATE ROLE \(member) LOGIN IN ROLE hotload_owner")
        try await admin.connection.execute("GRANT CREATE ON DATABASE \"\(database)\" TO \(member)")

        let asMember = try await Store.connect(ConnectionConfiguration(url(dbURL, user: member)))
        #expect(try await asMember.migrate() == Migrations.all.map(\.name))
        let ownedByLogin = try await admin.count("""
            SELECT (SELECT count(*) FROM pg_class WHERE relnamespace = 'hotload'::regnamespace
                      AND relowner = '\(member)'::regrole)
                 + (SELECT count(*) FROM pg_proc WHERE pronamespace = 'hotload'::regnamespace
                      AND proowner = '\(member)'::regrole) AS n
            """)
        #expect(ownedByLogin == 0)
        #expect(try await admin.push([module("a", "fn one() = 1\n")]).release != nil)

        await asMember.connection.close()
        _ = try? await admin.connection.execute("REVOKE CREATE ON DATABASE \"\(database)\" FROM \(member)")
        _ = try? await admin.connection.execute("DROP ROLE \(member)")
        await admin.connection.close()
    }
}
