import Foundation
import HotloadNode
import PQ
import Testing

/// Nodes write only their own status rows and nothing else.
@Suite struct NodeStatusSecurityTests {
    @Test func nodeRolesWriteOnlyTheirOwnRows() async throws {
        let fixture = try await NodeFixture.make()
        let release = try await fixture.push(["m": "fn v() = 1"])
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let (roleA, roleB) = ("node_a_\(suffix)", "node_b_\(suffix)")
        for role in [roleA, roleB] {
            try await fixture.store.connection.execute("CREATE ROLE \(role) LOGIN IN ROLE hotload_node")
        }
        func url(as role: String) throws -> String {
            guard let at = fixture.url.range(of: "postgres@") else { throw FixtureError("unexpected test URL") }
            return fixture.url.replacingCharacters(in: at, with: "\(role)@")
        }

        // A real node running under the restricted role registers, applies and heartbeats.
        var configuration = fixture.configuration(name: "as-a")
        configuration.database = try url(as: roleA)
        let running = RunningNode.start(configuration)
        try await running.waitFor(release: release)
        var rows: [NodeStatusRow] = []
        for _ in 0..<100 {
            rows = try await NodeStatusReader.list(fixture.store.connection)
            if rows.first?.appliedRelease == release { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(rows.first?.appliedRelease == release)

        let b = try await Connection.connect(ConnectionConfiguration(try url(as: roleB)))
        // Another node's row is invisible to UPDATE ...
        let updated = try await b.execute("UPDATE hotload.node_status SET applied_release = 999 WHERE name = 'as-a'")
        #expect(updated == 0)
        // ... cannot be forged ...
        await #expect(throws: PQError.self) {
            try await b.execute("""
                INSERT INTO hotload.node_status (name, db_role, instance, host, pid, channel)
                VALUES ('forged', $1, gen_random_uuid(), 'h', 1, 'main')
                """, [.text(roleA)])
        }
        // ... nor deleted; and code cannot be written at all.
        await #expect(throws: PQError.self) { try await b.execute("DELETE FROM hotload.node_status") }
        await #expect(throws: PQError.self) {
            try await b.execute("UPDATE hotload.channels SET head = NULL")
        }
        await #expect(throws: PQError.self) {
            try await b.execute("INSERT INTO hotload.modules (name) VALUES ('evil')")
        }
        // Its own row is fine.
        let own = try await b.execute("""
            INSERT INTO hotload.node_status (name, instance, host, pid, channel)
            VALUES ('as-b', gen_random_uuid(), 'h', 1, 'main')
            """)
        #expect(own == 1)
        await b.close()
        await running.stop()
        // Roles are cluster-wide: drop them (best effort; the test server is throwaway).
        for role in [roleA, roleB] {
            _ = try? await fixture.store.connection.execute("DROP ROLE IF EXISTS \(role)")
        }
        await fixture.close()
    }
}
