import CEL
import Foundation
import HotloadNode
@testable import HotloadSidecar
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

/// The sidecar is safe to expose: what a hostile or careless client can and cannot do,
/// on the real HTTP server where the behaviour depends on it.
@Suite("Sidecar hardening")
struct SidecarHardeningTests {
    private func app(_ node: Node, _ configuration: SidecarConfiguration, port: Int = 0) -> some ApplicationProtocol {
        SidecarServer.application(node: node, host: "127.0.0.1", port: port, limits: .default,
                                  logger: Logger(label: "sidecar-hardening"), configuration: configuration)
    }

    /// Runs the sidecar as `hotload node` does (HummingbirdTesting's live mode rebuilds the
    /// server configuration without its connection limit) and calls `body` with its port.
    private func serve(_ node: Node, _ configuration: SidecarConfiguration, _ body: (Int) async throws -> Void) async throws {
        let port = try RawHTTP.freePort()
        let application = app(node, configuration, port: port)
        let server = Task { try await application.runService(gracefulShutdownSignals: []) }
        defer { server.cancel() }
        let deadline = ContinuousClock.now + .seconds(10)
        while (try? RawHTTP.connect(port: port))?.close() == nil {
            guard ContinuousClock.now < deadline else { throw FixtureError("the sidecar did not start on port \(port)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        try await body(port)
        server.cancel()
        _ = await server.result
    }

    /// Texts that would reveal internals: Swift type or error names, source paths, frames.
    private static let internals = ["Swift", ".swift", "NIO", "Error(", "HotloadNode", "Hummingbird", "/work/",
                                    "Thread", "0x", "Fatal", "PQ"]

    private func expectNoInternals(_ body: String, _ context: String) {
        for marker in Self.internals {
            #expect(!body.contains(marker), "\(context): the error body reveals '\(marker)': \(body)")
        }
    }

    @Test func evalIsOffByDefaultTokenIsRequiredAndErrorsRevealNothing() async throws {
        let fixture = try await NodeFixture.make()
        let release = try await fixture.push(["math/basic": "fn add(a, b) = a + b\nfn echo(s) = [s, s, s, s]\n"])
        let running = RunningNode.start(fixture.configuration(name: "guarded"))
        try await running.waitFor(release: release)
        let token = "s3cret-token-0123456789"
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)").path
        try Data("\(token)\n".utf8).write(to: URL(fileURLWithPath: tokenFile))
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        #expect(try SidecarConfiguration.token(fromFile: tokenFile) == token)
        #expect(throws: SidecarConfigurationError.self) { try SidecarConfiguration.token(fromFile: tokenFile + ".missing") }

        // Eval is off unless enabled, token or not.
        try await app(running.node, SidecarConfiguration()).test(.router) { client in
            try await client.execute(uri: "/v1/eval", method: .post, body: ByteBuffer(string: #"{"expr": "1 + 1"}"#)) { response in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body).contains("eval_disabled"))
                // Clients hear what is off, not the operator's command line.
                #expect(!String(buffer: response.body).contains("--enable-eval"))
            }
        }

        let configuration = SidecarConfiguration(token: token, maxResponseBytes: 4096)
        try await app(running.node, configuration).test(.router) { client in
            let call = ByteBuffer(string: #"{"args": [40, 2]}"#)
            for header in [nil, "Bearer wrong", "Bearer \(token)x", "Bearer \(token.dropLast())", "Basic \(token)", token] {
                var headers = HTTPFields()
                if let header { headers[.authorization] = header }
                for (uri, method) in [("/v1/call/math/basic/add", HTTPRequest.Method.post), ("/v1/eval", .post),
                                      ("/v1/status", .get), ("/metrics", .get)] {
                    try await client.execute(uri: uri, method: method, headers: headers, body: call) { response in
                        #expect(response.status == .unauthorized, "\(uri) with \(header ?? "no header")")
                        #expect(response.headers[.wwwAuthenticate] == "Bearer")
                        expectNoInternals(String(buffer: response.body), uri)
                    }
                }
            }
            let authorized: HTTPFields = [.authorization: "Bearer \(token)"]
            try await client.execute(uri: "/v1/call/math/basic/add", method: .post, headers: authorized, body: call) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("42"))
            }
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)  // probes need no token
            }

            // The response cap holds before the bytes exist: four copies of a 1,500-byte
            // argument would be 6 KB of JSON.
            let long = String(repeating: "y", count: 1_500)
            try await client.execute(uri: "/v1/call/math/basic/echo", method: .post, headers: authorized,
                                     body: ByteBuffer(string: #"{"args": [""# + long + #""]}"#)) { response in
                #expect(response.status == .unprocessableContent)
                #expect(String(buffer: response.body).contains("result_too_large"))
            }
            try await client.execute(uri: "/v1/call/math/basic/echo", method: .post, headers: authorized,
                                     body: ByteBuffer(string: #"{"args": ["short"]}"#)) { response in
                #expect(response.status == .ok)
            }

            // Error bodies name the problem, never internals.
            let bad: [(String, String)] = [
                ("/v1/call/math/basic/add", "not json"), ("/v1/call/math/basic/add", #"{"args": 3}"#),
                ("/v1/call/math/nope/add", "{}"), ("/v1/call/math/basic/add", #"{"args": [1]}"#),
                ("/v1/call/math/basic/add", #"{"args": ["a", 1]}"#), ("/v1/call/math/basic/add", "[" + String(repeating: "[", count: 5_000)),
                ("/v1/call/math/basic/add", String(repeating: "x", count: SidecarServer.maxBodyBytes + 1)),
                ("/v1/eval", "{}"),
            ]
            for (uri, body) in bad {
                try await client.execute(uri: uri, method: .post, headers: authorized, body: ByteBuffer(string: body)) { response in
                    #expect(response.status.code >= 400, "\(uri) \(body.prefix(40))")
                    let text = String(buffer: response.body)
                    #expect(text.contains(#""error""#), "\(uri) \(body.prefix(40)): \(text)")
                    expectNoInternals(text, "\(uri) \(body.prefix(40))")
                }
            }
        }
        await running.stop()
        await fixture.close()
    }

    /// The pool runs at most `threads` at once, refuses beyond its queue, and gives up on
    /// a queued job at its deadline (a running one is never interrupted).
    @Test func evaluationPoolBoundsAndDeadlines() async {
        let pool = EvaluationPool(threads: 1, queueLimit: 1)
        let release = Atomic<Bool>(false)
        async let blocker = pool.run(deadline: .now + .seconds(30)) { () -> Int in
            while !release.load(ordering: .relaxed) { Thread.sleep(forTimeInterval: 0.005) }
            return 1
        }
        try? await Task.sleep(for: .milliseconds(100))
        // Queued behind the blocker: times out at its deadline; while it waits, the queue is full.
        async let queued = pool.run(deadline: .now + .milliseconds(300)) { 2 }
        try? await Task.sleep(for: .milliseconds(50))
        if case .busy = await pool.run(deadline: .now + .seconds(5), { 3 }) {} else { Issue.record("a full pool accepted a job") }
        if case .timedOut = await queued {} else { Issue.record("a queued job outlived its deadline") }
        release.store(true, ordering: .relaxed)
        if case .done(let value) = await blocker { #expect(value == 1) } else { Issue.record("the running job was interrupted") }
        if case .done(let value) = await pool.run(deadline: .now + .seconds(5), { 4 }) { #expect(value == 4) } else {
            Issue.record("the pool did not recover")
        }
    }

    @Test func invalidSidecarConfigurationsAreRefused() {
        #expect(throws: Never.self) { try SidecarConfiguration().validate() }
        for bad in [SidecarConfiguration(token: "short"), SidecarConfiguration(requestTimeout: .zero),
                    SidecarConfiguration(maxConcurrentEvaluations: 0), SidecarConfiguration(maxQueuedEvaluations: -1),
                    SidecarConfiguration(maxConnections: 0), SidecarConfiguration(idleTimeout: .zero)] {
            #expect(throws: SidecarConfigurationError.self) { try bad.validate() }
        }
    }

    @Test func tokenComparisonAndResponseBound() throws {
        let token = BearerToken("0123456789abcdef")
        #expect(token.accepts("Bearer 0123456789abcdef"))
        #expect(token.accepts("bearer 0123456789abcdef"))
        for wrong in ["Bearer 0123456789abcdeF", "Bearer 0123456789abcde", "Bearer 0123456789abcdef0", "Bearer ",
                      "0123456789abcdef", "Bearer  0123456789abcdef", "Bearer\u{0}0123456789abcdef", ""] {
            #expect(!token.accepts(wrong), "\(wrong)")
        }
        #expect(!token.accepts(nil))
        // The bound is never below the real size, and close to it for strings.
        let values: [Value] = [
            .string("plain"), .string("quote \" backslash \\ newline \n tab \t control \u{01} delete \u{7F} é"),
            .list([.int(Int64.min), .uint(UInt64.max), .double(-1.2345678901234567e-300), .null, .bool(false)]),
            .bytes(Array(repeating: 0xFF, count: 10)),
            .ip(try CELIP(parsing: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")),
            .cidr(try CELCIDR(parsing: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128")),
        ]
        for value in values {
            let size = (try? value.jsonData().count) ?? 0
            #expect(!ResponseLimits.exceeds(value, limit: size + 200), "\(value)")
            #expect(ResponseLimits.exceeds(value, limit: size - 1), "\(value)")
        }
        // A huge result is found out without building it: a million references to one
        // megabyte string (a terabyte of JSON).
        let big = String(repeating: "z", count: 1 << 20)
        #expect(ResponseLimits.exceeds(.list(Array(repeating: .string(big), count: 1 << 20)), limit: 8 << 20))
    }

    /// Idle connections, half-sent request heads and trickled bodies are cut off; past the
    /// connection cap, clients wait until a connection closes.
    @Test func idleSlowAndSurplusConnectionsAreCutOffOrQueued() async throws {
        let fixture = try await NodeFixture.make()
        let release = try await fixture.push(["m": "fn v() = 1"])
        let running = RunningNode.start(fixture.configuration(name: "exposed"))
        try await running.waitFor(release: release)
        let configuration = SidecarConfiguration(requestTimeout: .seconds(1), maxConnections: 2, idleTimeout: .seconds(1))
        try await serve(running.node, configuration) { port in
            let guardTime = Duration.seconds(10)

            // Idle: nothing sent.
            let idle = try RawHTTP.connect(port: port)
            #expect(await onThread { idle.receive(timeout: guardTime).closed }, "an idle connection stays open")
            idle.close()

            // A request head that never completes.
            let slowloris = try RawHTTP.connect(port: port)
            slowloris.send("POST /v1/call/m/v HTTP/1.1\r\nHost: x\r\n")
            #expect(await onThread { slowloris.receive(timeout: guardTime).closed }, "a half-sent head keeps the connection")
            slowloris.close()

            // A body trickled past the request deadline: the idle timer alone would not
            // end it, since each byte counts as activity.
            let trickle = try RawHTTP.connect(port: port)
            trickle.send("POST /v1/call/m/v HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
            let cutOff = await onThread { () -> Bool in
                let deadline = ContinuousClock.now + guardTime
                while ContinuousClock.now < deadline {
                    trickle.send(" ")
                    if trickle.receive(timeout: .milliseconds(300)).closed { return true }
                }
                return false
            }
            #expect(cutOff, "a trickled body keeps the connection past the request deadline")
            trickle.close()

            // Past the cap, a client waits until a connection closes, then is served.
            let holders = [try RawHTTP.connect(port: port), try RawHTTP.connect(port: port)]
            try await Task.sleep(for: .milliseconds(200))
            let waiting = try RawHTTP.connect(port: port)
            waiting.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let early = await onThread { waiting.receive(timeout: .milliseconds(300)) }
            #expect(early.data.isEmpty, "a connection beyond the cap was served at once")
            // The holders are idle: the server closes them, and the waiting client gets in.
            let late = await onThread { waiting.receive(timeout: guardTime) }
            #expect(RawHTTP.parse(early.data + late.data)?.status == 200)
            for connection in holders + [waiting] { connection.close() }
        }
        await running.stop()
        await fixture.close()
    }

    /// Slow evaluations cannot starve the node: `/healthz` answers and a release pushed
    /// during the flood is applied, while the surplus requests get 503 at once.
    @Test func aFloodOfSlowEvaluationsStarvesNeitherHealthNorSync() async throws {
        let fixture = try await NodeFixture.make()
        let items = (0..<1_500).map(String.init).joined(separator: ", ")
        let first = try await fixture.push(["slow": "let l = [\(items)]\nfn spin() = l.map(x, l.filter(y, y % 7 == x % 7).size()).size()\nfn v() = 1"])
        var nodeConfiguration = fixture.configuration(name: "busy-sidecar", poll: .seconds(3600))
        nodeConfiguration.limits.maxIterations = 10_000_000
        nodeConfiguration.limits.maxCost = 200_000_000
        let running = RunningNode.start(nodeConfiguration)
        try await running.waitFor(release: first)
        let configuration = SidecarConfiguration(requestTimeout: .seconds(2), maxConcurrentEvaluations: 2,
                                                 maxQueuedEvaluations: 2)
        try await app(running.node, configuration).test(.live) { client in
            let port = try #require(client.port)
            let single = ContinuousClock.now
            let probe = await onThread { RawHTTP.request(port: port, "POST", "/v1/call/slow/spin", body: "{}") }
            #expect(probe?.status == 200, "\(String(describing: probe))")
            let evaluation = ContinuousClock.now - single

            final class Tally: Sendable {
                let stop = Atomic<Bool>(false)
                let ok = Atomic<Int>(0)
                let busy = Atomic<Int>(0)
                let other = Atomic<Int>(0)
            }
            let tally = Tally()
            let attackers = 12
            let flood = Task {
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<attackers {
                        group.addTask {
                            await onThread {
                                while !tally.stop.load(ordering: .relaxed) {
                                    let reply = RawHTTP.request(port: port, "POST", "/v1/call/slow/spin", body: "{}")
                                    switch reply?.status {
                                    case 200: tally.ok.add(1, ordering: .relaxed)
                                    case 503:
                                        tally.busy.add(1, ordering: .relaxed)
                                        if reply?.body.contains(#""busy""#) != true { tally.other.add(1, ordering: .relaxed) }
                                    default: tally.other.add(1, ordering: .relaxed)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            // Health answers quickly; the bound is generous (the machine is shared), far
            // below what waiting for the queued evaluations would take.
            var slowest = Duration.zero
            for _ in 0..<5 {
                let started = ContinuousClock.now
                let health = await onThread { RawHTTP.request(port: port, "GET", "/healthz", timeout: .seconds(20)) }
                slowest = max(slowest, ContinuousClock.now - started)
                #expect(health?.status == 200)
                try await Task.sleep(for: .milliseconds(100))
            }
            let second = try await fixture.push(["slow": "let l = [\(items)]\nfn spin() = l.map(x, l.filter(y, y % 7 == x % 7).size()).size()\nfn v() = 2"])
            try await running.waitFor(release: second, timeout: .seconds(10))
            tally.stop.store(true, ordering: .relaxed)
            await flood.value
            #expect(slowest < .seconds(2), "/healthz took \(slowest) under a flood (one evaluation takes \(evaluation))")
            #expect(tally.ok.load(ordering: .relaxed) >= 1)
            #expect(tally.busy.load(ordering: .relaxed) >= 1, "the queue limit never refused anything")
            #expect(tally.other.load(ordering: .relaxed) == 0)
            #expect(try callInt(running.node, "slow", "v") == 2)
        }
        await running.stop()
        await fixture.close()
    }
}
