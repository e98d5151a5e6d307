import Foundation
import HotloadStore
import PQ
import Testing

/// Issue 10: the rollout commands of the `hotload` binary are thin shells over the store:
/// refusals print the store's message and exit 1, a missing grant names the role, and
/// `rollout status --json` carries the fields the issue asks for.
@Suite("CLI rollouts")
struct RolloutCLITests {
    @Test func policyRolloutApprovalAndStatusThroughTheBinary() async throws {
        let fixture = try await NodeFixture.make()
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let approver = "cli_approver_\(suffix)", reader = "cli_reader_\(suffix)"
        try await fixture.store.connection.execute("CREATE ROLE \(approver) LOGIN IN ROLE hotload_approver")
        try await fixture.store.connection.execute("CREATE ROLE \(reader) LOGIN IN ROLE hotload_reader")
        func as_(_ login: String) throws -> String {
            guard let at = fixture.url.range(of: "postgres@") else { throw FixtureError("unexpected test URL") }
            return fixture.url.replacingCharacters(in: at, with: "\(login)@")
        }

        // A gate that does not compile is refused, naming the problem; nothing is set.
        var (status, output) = try await runHotload(["channel", "set", "main", "--gate", "canary.callz < 3",
                                                     "--database", fixture.url])
        #expect(status == 1 && output.contains("does not compile") && output.contains("canary"), "\(output)")
        (status, output) = try await runHotload(["channel", "show", "main", "--json", "--database", fixture.url])
        #expect(status == 0 && output.trimmingCharacters(in: .whitespacesAndNewlines) == "null", "\(output)")

        // A reader may not set policy: the message names the role needed.
        (status, output) = try await runHotload(["channel", "set", "main", "--approvals", "1", "--database", try as_(reader)])
        #expect(status == 1 && output.contains("GRANT hotload_admin TO"), "\(output)")

        (status, output) = try await runHotload(["channel", "set", "main", "--approvals", "1", "--steps", "1,50%,100%",
                                                 "--bake", "2m", "--database", fixture.url])
        #expect(status == 0 && output.contains("1 approval, steps 1,50%,100%, bake 120s"), "\(output)")
        try await fixture.push(["a": "fn a() = 1\n"])

        // The pusher (the test's login) may not approve; an approver may.
        (status, output) = try await runHotload(["approve", "1", "--database", fixture.url])
        #expect(status == 1 && output.contains("may not approve"), "\(output)")
        (status, output) = try await runHotload(["approve", "1", "-m", "ok", "--database", try as_(approver)])
        #expect(status == 0 && output.contains("approved"), "\(output)")
        (status, output) = try await runHotload(["rollout", "next", "--database", fixture.url])
        #expect(status == 0 && output.contains("step 1/3"), "\(output)")

        (status, output) = try await runHotload(["rollout", "status", "--json", "--database", fixture.url])
        #expect(status == 0, "\(output)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        for key in ["id", "phase", "stable", "candidate", "step", "steps", "salt", "approvals", "required_approvals", "nodes"] {
            #expect(json[key] != nil, "\(key) missing in \(output)")
        }
        #expect(json["phase"] as? String == "progressing" && json["approvals"] as? Int == 1)

        (status, output) = try await runHotload(["rollout", "abort", "-m", "enough", "--database", fixture.url])
        #expect(status == 0, "\(output)")
        (status, output) = try await runHotload(["rollout", "promote", "1", "--database", fixture.url])
        #expect(status == 1 && output.contains("rollout 1 is aborted"), "\(output)")
        (status, output) = try await runHotload(["rollout", "log", "--json", "--database", fixture.url])
        let actions = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]])
            .compactMap { $0["action"] as? String }
        #expect(actions == ["policy", "propose", "approve", "approved", "step", "abort"], "\(output)")

        // A push under the policy says that it became a rollout's candidate.
        let rules = FileManager.default.temporaryDirectory.appendingPathComponent("rollout-push-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: rules, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: rules) }
        try "fn a() = 2\n".write(to: rules.appendingPathComponent("a.hl"), atomically: true, encoding: .utf8)
        (status, output) = try await runHotload(["push", rules.path, "-m", "two", "--database", fixture.url])
        #expect(status == 0 && output.contains("is the candidate of rollout 2 (proposed)"), "\(output)")

        for role in [approver, reader] { _ = try? await fixture.store.connection.execute("DROP ROLE IF EXISTS \(role)") }
        await fixture.close()
    }
}
