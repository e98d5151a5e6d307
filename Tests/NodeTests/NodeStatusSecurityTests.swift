import Foundation
@testable import HotloadNode
import HotloadStore
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
            rows = try await fixture.store.nodeStatuses()
            if rows.first?.appliedRelease == release { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(rows.first?.appliedRelease == release)

        let b = try await Connection.connect(ConnectionConfiguration(try url(as: roleB)))
        let instanceA = try #require(try await fixture.store.connection.query(
            "SELECT instance::text AS i FROM hotload.node_status WHERE name = 'as-a'").first?.decode("i", as: String.self))
        // Another node's row cannot be updated directly ...
        await #expect(throws: PQError.self) {
            try await b.execute("UPDATE hotload.node_status SET applied_release = 999 WHERE name = 'as-a'")
        }
        // ... nor through the heartbeat function, even with the right instance id ...
        let beat = try await b.query(
            "SELECT hotload.node_heartbeat('as-a', $1::uuid, 999, false, NULL, NULL, NULL, NULL, NULL, false) AS updated",
            [.text(instanceA)])
        #expect(try beat.first?.decode("updated", as: Bool.self) == false)
        // ... nor taken over by registering its name, which names the owner ...
        await #expect {
            try await b.execute("""
                SELECT hotload.node_register('as-a', gen_random_uuid(), 'h', 1, 'main', 999, false, NULL, NULL,
                                             NULL, NULL, NULL, true, 0)
                """)
        } throws: { error in
            guard let error = error as? PQError else { return false }
            return error.sqlState == "HL002" && error.detail == roleA
        }
        #expect(try await fixture.store.nodeStatuses().first { $0.name == "as-a" }?.appliedRelease == release)
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
        let own = try await b.query("""
            SELECT hotload.node_register('as-b', gen_random_uuid(), 'h', 1, 'main', NULL, false, NULL, NULL,
                                         NULL, NULL, NULL, true, 0) AS registered
            """)
        #expect(try own.first?.decode("registered", as: Bool.self) == true)
        await b.close()
        await running.stop()
        // Roles are cluster-wide: drop them (best effort; the test server is throwaway).
        for role in [roleA, roleB] {
            _ = try? await fixture.store.connection.execute("DROP ROLE IF EXISTS \(role)")
        }
        await fixture.close()
    }

    /// A node whose name another role registered says whose name it is, instead of
    /// "cannot reach the database".
    @Test func aNameTakenByAnotherRoleNamesTheOwner() async throws {
        let fixture = try await NodeFixture.make()
        let release = try await fixture.push(["m": "fn v() = 1"])
        let role = "node_other_\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
        try await fixture.store.connection.execute("CREATE ROLE \(role) LOGIN IN ROLE hotload_node")
        let first = RunningNode.start(fixture.configuration(name: "taken"))
        try await first.waitFor(release: release)

        var configuration = fixture.configuration(name: "taken")
        guard let at = fixture.url.range(of: "postgres@") else { throw FixtureError("unexpected test URL") }
        configuration.database = fixture.url.replacingCharacters(in: at, with: "\(role)@")
        await #expect {
            try await Node(configuration: configuration).run()
        } throws: { error in
            guard let error = error as? NodeStartError, error.code == .nameTaken else { return false }
            let text = "\(error)"
            return error.nodeName == "taken" && error.owner == "postgres" && text.contains("'postgres'")
                && !text.contains("cannot reach")
        }
        await first.stop()
        _ = try? await fixture.store.connection.execute("DROP ROLE IF EXISTS \(role)")
        await fixture.close()
    }

    /// Status rows hold no control characters, so `hotload status` cannot print terminal
    /// escapes; a node's own error texts are escaped before they are written.
    @Test func statusTextsHoldNoControlCharacters() async throws {
        let fixture = try await NodeFixture.make()
        func register(_ name: String, error: String?) async throws {
            try await fixture.store.connection.execute("""
                SELECT hotload.node_register($1, gen_random_uuid(), 'h', 1, 'main', NULL, false, NULL, NULL,
                                             NULL, NULL, $2, true, 0)
                """, [.text(name), error.map { .text($0) } ?? .null])
        }
        for (name, error) in [("evil\u{1B}[2J", nil), ("ok", "boom\u{1B}]0;owned\u{7}"), ("ok2", "two\nlines")] {
            await #expect(Comment(rawValue: name)) { try await register(name, error: error) } throws: { error in
                (error as? PQError)?.sqlState == "23514"
            }
        }
        // The node's writer escapes what it reports.
        let report = NodeStatusReport(appliedRelease: nil, stale: false, errorRelease: 1,
                                  error: NodeError(module: "m\u{1B}", line: 1, column: 2, message: "bad\u{1B}[2J\nnext"))
        #expect(try await NodeSession(fixture.store.connection).register(
            name: "reporter", instance: UUID(), host: "host", pid: 1, channel: "main", report: report))
        let rows = try await fixture.store.nodeStatuses()
        let error = try #require(rows.first { $0.name == "reporter" }?.lastError)
        #expect(error.module == #"m\u{1B}"#)
        #expect(error.message == #"bad\u{1B}[2J\nnext"#)
        await fixture.close()
    }
}
