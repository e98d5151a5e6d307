import Foundation
import PQ
import Testing
@testable import HotloadNode

/// Two running nodes misconfigured with one name do not keep taking the row from each other.
@Suite struct NodeNameTests {
    @Test func theLaterNodeKeepsTheRowWhileBothRun() async throws {
        let fixture = try await NodeFixture.make()
        let release = try await fixture.push(["m": "fn v() = 1"])
        // A row is taken back only when its heartbeat is three intervals old: 1 s
        // intervals leave a loaded test machine 3 s of scheduling delay.
        var configuration = fixture.configuration(name: "twin")
        configuration.heartbeatInterval = .seconds(1)
        let first = RunningNode.start(configuration)
        try await first.waitFor(release: release)
        let second = RunningNode.start(configuration)
        try await second.waitFor(release: release)
        // Several heartbeat intervals later, the row still belongs to the second.
        try await Task.sleep(for: .seconds(3))
        let rows = try await fixture.store.connection.query("SELECT instance::text AS instance FROM hotload.node_status WHERE name = 'twin'")
        #expect(rows.count == 1)
        #expect(try rows.first?.decode("instance", as: String.self).lowercased() == second.node.instance.uuidString.lowercased())
        await first.stop()
        await second.stop()
        await fixture.close()
    }
}
