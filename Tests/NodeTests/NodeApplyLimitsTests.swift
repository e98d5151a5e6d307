import CEL
import Foundation
import HotloadModules
import HotloadNode
import HotloadStore
import Testing

/// Pathological releases on a real node and a real database: each is refused and
/// reported (event, status, status table), the node keeps serving, and a fixed release
/// pushed right behind the slowest one is applied within one poll interval. One test at a
/// time: each links seconds of modules, and together they starved one another.
@Suite(.serialized) struct NodeApplyLimitsTests {
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

    /// A thousand lets that each cost about 1% of `Limits.maxCost` (folded concatenations
    /// of a 100,000-byte constant): refused by the link's cost budget, at the same let on
    /// every machine (the linker's own diagnostic says which).
    static let expensiveLets = (["let _s = '\(String(repeating: "x", count: 100_000))'", "fn v() = 1"]
        + (0..<1000).map { "let l\($0) = size(_s + _s + _s)" }).joined(separator: "\n")

    /// A release that is merely huge: 16 modules of about 480 KB, each under every limit and
    /// cheap in cost, whose compiling together takes seconds (about 0.8 s a module in a debug
    /// build); only the node's time limit stops it.
    static let hugeRelease: [String: String] = {
        let list = "[" + Array(repeating: "1", count: 1000).joined(separator: ",") + "]"
        let big = (["fn v() = 1"] + (0..<240).map { "let l\($0) = \(list)" }).joined(separator: "\n")
        var modules = Dictionary(uniqueKeysWithValues: (0..<16).map { ("big\($0)", big) })
        modules["m"] = "fn v() = 1"
        modules["user"] = good["user"]!
        return modules
    }()

    /// The linker's diagnostic for module `m` with `text` (and `user`): line and headline.
    static func linkerDiagnostic(_ text: String) throws -> Diagnostic {
        do {
            _ = try Linker().link([ModuleSource(name: "m", text: text), ModuleSource(name: "user", text: good["user"]!)])
            throw FixtureError("the release linked")
        } catch let error as CompileError {
            return try #require(error.diagnostics.first)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func pathologicalReleasesAreRefusedAndReported() async throws {
        let fixture = try await NodeFixture.make()
        let good = try await fixture.push(Self.good)
        let running = RunningNode.start(fixture.configuration(name: "guarded", poll: .seconds(60)))
        try await running.waitFor(release: good)

        let cost = try Self.linkerDiagnostic(Self.expensiveLets)
        let cases: [(text: String, code: String, line: Int, message: String)] = [
            (Self.burnsTheBudget, "E308", 2, "let 'burn' failed: "),
            // The node refuses at the let the linker (and so push and `hotload check`) names.
            (Self.expensiveLets, ModuleErrorCode.linkCostExceeded, cost.location.line, cost.message),
            (Self.deepChain, CELErrorCode.callsTooDeep, 66, "call chain too deep: m.f64 → m.f63 → "),
            (Self.tooManyNodes, ModuleErrorCode.moduleTooLarge, 251, "module has more than 250000 syntax nodes"),
        ]
        for (text, code, line, message) in cases {
            let events = running.node.events
            let bad = try await fixture.push(["m": text, "user": Self.good["user"]!], skipCheck: true)
            var errors: [NodeError] = []
            for await event in events {
                if case .refused(let refused) = event, refused.release == bad {
                    #expect(refused.kept == good)
                    errors = refused.errors
                    break
                }
                if case .applied(let applied) = event, applied.release == bad {
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
        // The node stops the slow link after half of this; the rest is slack for a loaded machine.
        let poll = Duration.seconds(10)
        let running = RunningNode.start(fixture.configuration(name: "unblocked", poll: poll))
        try await running.waitFor(release: good)

        let events = running.node.events
        let slow = try await fixture.push(Self.hugeRelease, skipCheck: true)
        // The node is still linking the slow release when the fix arrives.
        try await Task.sleep(for: .milliseconds(200))
        let pushed = ContinuousClock.now
        var fix = Self.hugeRelease.filter { !$0.key.hasPrefix("big") }
        fix["m"] = "fn v() = 41"
        let fixed = try await fixture.push(fix, prune: true)
        try await running.waitFor(release: fixed, timeout: poll)
        #expect(ContinuousClock.now - pushed < poll)
        #expect(try callInt(running.node, "user", "w") == 42)
        #expect(running.node.status.lastError == nil)

        // The slow release was refused for its time, or, on a machine fast enough to link it
        // within the limit, applied; never refused for anything else.
        var refusal: [NodeError]?
        var slowApplied = false
        for await event in events {
            if case .refused(let refused) = event, refused.release == slow { refusal = refused.errors }
            if case .applied(let applied) = event {
                if applied.release == slow { slowApplied = true }
                if applied.release == fixed { break }
            }
        }
        #expect(slowApplied || refusal?.map(\.code) == [ModuleErrorCode.linkTooSlow], "\(String(describing: refusal))")
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

        let slow = try await fixture.push(Self.hugeRelease, skipCheck: true)
        let pushed = ContinuousClock.now
        var worstDelay = Duration.zero
        while let linking = nodes.first(where: { $0.node.status.errorRelease != slow }) {
            guard ContinuousClock.now - pushed < .seconds(30) else {
                Issue.record("\(linking.node.configuration.name) did not refuse the slow release in 30 s")
                break
            }
            let before = ContinuousClock.now
            try await Task.sleep(for: .milliseconds(10))
            worstDelay = max(worstDelay, ContinuousClock.now - before - .milliseconds(10))
        }
        // A blocked pool stalls the loop for about the whole link; a free one only for
        // moments. Relative to the link, so a loaded machine, which slows both, passes.
        let linkTime = ContinuousClock.now - pushed
        #expect(worstDelay < linkTime / 2, "worst delay \(worstDelay) during a link of \(linkTime)")
        for node in nodes { await node.stop() }
        await fixture.close()
    }

    /// The node's status row once `condition` holds (or the last one read, after 5 s).
    private func statusRow(_ fixture: NodeFixture, _ condition: (NodeStatusRow) -> Bool) async throws -> NodeStatusRow? {
        var row: NodeStatusRow?
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            row = try await fixture.store.nodeStatuses().first
            if let row, condition(row) { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        return row
    }
}
