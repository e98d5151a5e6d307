import Foundation
import Testing

/// `hotload demo` as a process, start to finish, on the private PostgreSQL it starts itself:
/// the first acts (push, hot swap, refusals, rollback) still run, and the gray-release act
/// shows a canary on one node of three, an approval by another login than the pusher's, a
/// gate catching a candidate whose calls fail with the controller aborting it by itself,
/// and a fixed candidate stepped to 100% by the controller and promoted.
@Suite("CLI demo")
struct DemoCLITests {
    static let gate = "canary.calls < 20 || canary.error_rate <= stable.error_rate + 0.05"

    @Test func theDemoRunsTheWholeCycleAndAGrayRelease() async throws {
        // A guard against hangs, not a timing: the demo takes seconds.
        let (status, output) = try await runHotload(["demo"], timeout: .seconds(120))
        #expect(status == 0, "\(output)")

        // The acts before gray release.
        #expect(output.contains("== 7. The same change with --skip-check"), "\(output)")
        #expect(output.contains("demo-node-3: refused release"), "\(output)")
        #expect(output.contains("== 8. hotload rollback"), "\(output)")

        // Roles and policy.
        #expect(output.contains("  demo_pusher in hotload_pusher, hotload_approver\n  demo_approver in hotload_approver\n"
                                + "  demo_operator in hotload_operator\n  demo_admin in hotload_admin\n"), "\(output)")
        #expect(output.contains("channel main: 1 approval, steps 1,100%, bake 1s\n  gate: \(Self.gate)\n  set by demo_admin"),
                "\(output)")

        // The push becomes a proposed rollout; the database refuses the pusher's own approval
        // (it may approve others' pushes), another login approves.
        let proposed = output.matches(of: /rollout (\d+) is proposed: candidate (\d+), stable (\d+), 0\/1 approvals/)
        #expect(proposed.count == 2, "\(output)")
        let (bad, good) = (try #require(proposed.first), try #require(proposed.last))
        let refusal = try #require(output.firstMatch(of: /\$ hotload approve (\d+)   # as demo_pusher\n(error: [^\n]*)\n/),
                                   "\(output)")
        #expect(refusal.1 == bad.1 && refusal.2.contains("demo_pusher"), "\(refusal.2)")
        #expect(output.contains("rollout \(bad.1) approved by demo_approver; it is approved"), "\(output)")
        #expect(output.contains("rollout \(good.1) approved by demo_approver; it is approved"), "\(output)")

        // The controller puts each candidate on exactly one node of three (from rollout status).
        let canaries = output.matches(of: /the candidate (\d+) runs on 1 node of 3: (demo-node-\d); (demo-node-\d), (demo-node-\d) stay on stable release (\d+)/)
        #expect(canaries.map { String($0.1) } == [String(bad.2), String(good.2)], "\(output)")
        let badCanary = try #require(canaries.first)
        #expect(output.contains("\(badCanary.2) (release \(bad.2)): billing/pricing.final_price(order) = error: "),
                "\(output)")

        // The gate catches the failing calls; three failing evaluations and it aborts by itself.
        for count in 1...3 {
            #expect(output.contains("controller: gate '\(Self.gate)' failed, \(count) in a row"), "\(output)")
        }
        #expect(output.contains("controller: aborted: gate '\(Self.gate)' failed 3 evaluations in a row"), "\(output)")
        #expect(output.contains("rollout \(bad.1) is aborted, by the controller alone; every node back on stable release "
                                + "\(bad.3): demo-node-1, demo-node-2, demo-node-3"), "\(output)")

        // The fixed candidate: stepped to 100% by the controller, promoted by the operator.
        #expect(output.contains("controller: entered step 2/2 (100%)"), "\(output)")
        #expect(output.contains("controller: last step baked with its gates held: ready to promote"), "\(output)")
        #expect(output.contains("$ hotload rollout promote   # as demo_operator\n"
                                + "rollout \(good.1) promoted: release \(good.2) is stable on channel main"), "\(output)")
        #expect(output.contains("every node on the new stable release \(good.2): demo-node-1, demo-node-2, demo-node-3"),
                "\(output)")
        for node in 1...3 {
            #expect(output.contains("demo-node-\(node) (release \(good.2)): billing/pricing.final_price(order) = 949.5"),
                    "\(output)")
        }
        // Signed releases: the trusting node refuses the unsigned stable release, verifies
        // the first signed one, takes the second from its notification alone.
        let stable = try #require(Int(good.2))
        #expect(output.contains("demo-node-4: refused release \(stable): release \(stable) is refused by the trust policy: "
                                + "it is unsigned"), "\(output)")
        #expect(output.contains("demo-node-4 (release \(stable + 1)): greetings/hello.greet(\"Hotload\") = \"Bonjour, Hotload!\""),
                "\(output)")
        #expect(output.contains("demo-node-4: release \(stable + 2) came inside its notification (signed manifest and "
                                + "changed source) and was applied without reading the tables"), "\(output)")
        #expect(output.contains("release \(stable + 2): verified, signed by key "), "\(output)")
        #expect(output.contains("DE: reduced VAT rate  [signed by release-manager (key "), "\(output)")
        #expect(output.contains("== 16. hotload status"), "\(output)")
        #expect(output.contains("demo-node-4  main     \(stable + 2)"), "\(output)")
    }
}
