import CEL
import Foundation
import HotloadModules
import HotloadNode
import HotloadStore
import Testing

/// Pathological releases on a real node and a real database: each is refused and
/// reported (event, status, status table), the node keeps serving, and a fixed release
/// pushed right behind the slowest one is applied within one poll interval.
@Suite struct NodeApplyLimitsTests {
    static let good = ["m": "fn v() = 1", "user": "import m\nfn w() = m.v() + 1"]

    /// A let that spends the whole cost budget (10^7 iterations asked, the iteration
    /// limit stops it at one million).
    static let burnsTheBudget = """
    let _ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    let burn = _ten.map(a, _ten.map(b, _ten.map(c, _ten.map(d, _ten.map(e, _ten.map(f, _ten.map(g, a + b + c + d + e + f + g)))))))
    fn v() = 1
    """

    /// 3,000 functions, each calling the previous one.
    static let deepChain = (["fn v() = 1", "fn f0(x) = x"] + (1..<3000).map { "fn f\($0)(x) = f\($0 - 1)(x)" })
        .joined(separator: "\n")

    /// Just under the 1 MiB source limit, with more syntax nodes than `Limits.maxNodes`.
    static let tooManyNodes: String = {
        let list = "[" + Array(repeating: "1", count: 1000).joined(separator: ",") + "]"
        return (["fn v() = 1"] + (0..<450).map { "let l\($0) = \(list)" }).joined(separator: "\n")
    }()

    /// About half a megabyte of lets that each cost a tenth of the budget: seconds of work
    /// in all, so only the link's time limit stops it.
    static let slowLets: String = {
        let ten = "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"
        let body = "\(ten).map(a, \(ten).map(b, \(ten).map(c, \(ten).map(d, \(ten).map(e, a + b + c + d + e)))))"
        return (["fn v() = 1"] + (0..<2000).map { "let l\($0) = size(\(body))" }).joined(separator: "\n")
    }()

    @Test(.timeLimit(.minutes(1)))
    func pathologicalReleasesAreRefusedAndReported() async throws {
        let fixture = try await NodeFixture.make()
        let good = try await fixture.push(Self.good)
        let running = RunningNode.start(fixture.configuration(name: "guarded", poll: .seconds(60)))
        try await running.waitFor(release: good)

        let cases: [(text: String, code: String, line: Int, message: String)] = [
            (Self.burnsTheBudget, "E308", 2, "let 'burn' failed: "),
            (Self.deepChain, SyntaxErrorCode.callsTooDeep, 66, "call chain too deep: m.f64 → m.f63 → "),
            (Self.tooManyNodes, ModuleErrorCode.moduleTooLarge, 251, "module has more than 250000 syntax nodes"),
        ]
        for (text, code, line, message) in cases {
            let events = running.node.events
            let bad = try await fixture.push(["m": text, "user": Self.good["user"]!], skipCheck: true)
            var errors: [NodeError] = []
            for await event in events {
                if case .refused(let release, let kept, let refused) = event, release == bad {
                    #expect(kept == good)
                    errors = refused
                    break
                }
                if case .applied(let release, _, _, _, _, _, _, _) = event, release == bad {
                    Issue.record("the pathological release \(bad) was applied")
                    break
                }
            }
            #expect(errors.map(\.code) == [code])
            #expect(errors.first?.module == "m.hl")
            #expect(errors.first?.line == line)
            #expect(errors.first?.message.hasPrefix(message) == true)
            #expect(running.node.status.errorRelease == bad)
            #expect(running.node.current?.release == good)
            #expect(try callInt(running.node, "user", "w") == 2)
            // The status table has the error's place and message (it keeps no code).
            let row = try await statusRow(fixture) { $0.errorRelease == bad }
            #expect(row?.appliedRelease == good)
            #expect(row?.lastError?.line == line)
            #expect(row?.lastError?.message.hasPrefix(message) == true)
        }
        await running.stop()
        await fixture.close()
    }

    @Test(.timeLimit(.minutes(1)))
    func fixPushedBehindASlowReleaseIsAppliedWithinOnePollInterval() async throws {
        let fixture = try await NodeFixture.make()
        let good = try await fixture.push(Self.good)
        let poll = Duration.seconds(6)
        let running = RunningNode.start(fixture.configuration(name: "unblocked", poll: poll))
        try await running.waitFor(release: good)

        let events = running.node.events
        let slow = try await fixture.push(["m": Self.slowLets, "user": Self.good["user"]!], skipCheck: true)
        // The node is still linking the slow release when the fix arrives.
        try await Task.sleep(for: .milliseconds(200))
        let pushed = ContinuousClock.now
        let fixed = try await fixture.push(["m": "fn v() = 41", "user": Self.good["user"]!])
        try await running.waitFor(release: fixed, timeout: poll)
        #expect(ContinuousClock.now - pushed < poll)
        #expect(try callInt(running.node, "user", "w") == 42)
        #expect(running.node.status.lastError == nil)

        // The slow release was refused for its time (the node read it before the fix).
        var refusal: [NodeError] = []
        for await event in events {
            if case .refused(let release, _, let errors) = event, release == slow { refusal = errors }
            if case .applied(let release, _, _, _, _, _, _, _) = event, release == fixed { break }
        }
        #expect(refusal.map(\.code) == [ModuleErrorCode.linkTooSlow])
        await running.stop()
        await fixture.close()
    }

    /// As many nodes as there are cores link a slow release at once. Compiling on the
    /// concurrency pool held every one of its threads for the whole link (seconds), and
    /// the host's tasks (here: a 10 ms sleep loop) stood still meanwhile.
    @Test(.timeLimit(.minutes(1)))
    func slowAppliesLeaveTheConcurrencyPoolFree() async throws {
        let fixture = try await NodeFixture.make()
        let good = try await fixture.push(Self.good)
        // The pool has a thread per core (up to 16 nodes here, to spare the database).
        let nodes = (0..<min(ProcessInfo.processInfo.activeProcessorCount, 16)).map {
            RunningNode.start(fixture.configuration(name: "pool\($0)", poll: .seconds(4)))
        }
        for node in nodes { try await node.waitFor(release: good) }

        let slow = try await fixture.push(["m": Self.slowLets, "user": Self.good["user"]!], skipCheck: true)
        var worstDelay = Duration.zero
        let until = ContinuousClock.now + .milliseconds(1500)
        while ContinuousClock.now < until {
            let before = ContinuousClock.now
            try await Task.sleep(for: .milliseconds(10))
            worstDelay = max(worstDelay, ContinuousClock.now - before - .milliseconds(10))
        }
        for node in nodes {
            try await node.waitUntil(timeout: .seconds(20), "\(node.node.configuration.name) refused the slow release") {
                node.node.status.errorRelease == slow
            }
        }
        // Generous: a blocked pool delays the loop by the whole link (about 2 s).
        #expect(worstDelay < .seconds(1))
        for node in nodes { await node.stop() }
        await fixture.close()
    }

    /// The node's status row once `condition` holds (or the last one read, after 5 s).
    private func statusRow(_ fixture: NodeFixture, _ condition: (NodeStatusRow) -> Bool) async throws -> NodeStatusRow? {
        var row: NodeStatusRow?
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            row = try await NodeStatusReader.list(fixture.store.connection).first
            if let row, condition(row) { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        return row
    }
}
