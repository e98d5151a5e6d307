import CEL
import CoreMetrics
import Foundation
import HotloadNode
import HotloadSidecar
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// The `hotload node` HTTP contract, end to end through the router on a node that follows
/// a real database.
@Suite("HTTP sidecar")
struct SidecarTests {
    /// The sidecar with `/v1/eval` enabled (it is off by default; see `SidecarHardeningTests`).
    private func app(_ node: Node, prometheus: PrometheusBackend = PrometheusBackend()) -> some ApplicationProtocol {
        SidecarServer.application(node: node, host: "127.0.0.1", port: 0, limits: .default,
                                  logger: Logger(label: "sidecar-test"),
                                  configuration: SidecarConfiguration(enableEval: true), prometheus: prometheus)
    }

    @Test func servesCallsEvalStatusAndMetrics() async throws {
        let fixture = try await NodeFixture.make()
        let release = try await fixture.push([
            "math/basic": "fn add(a, b) = a + b\nfn div(a, b) = a / b\nfn _hidden() = 1\n",
        ])
        // The node records into the registry `/metrics` serves, as under `hotload node`.
        let prometheus = PrometheusBackend()
        let running = withMetricsFactory(prometheus.factory) { RunningNode.start(fixture.configuration(name: "sidecar")) }
        try await running.waitFor(release: release)

        try await app(running.node, prometheus: prometheus).test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/v1/call/math/basic/add", method: .post,
                                     body: ByteBuffer(string: #"{"args": [40, 2]}"#)) { response in
                #expect(response.status == .ok)
                let body = try Value(json: String(buffer: response.body))
                guard case .map(let map) = body else { Issue.record("not an object"); return }
                #expect(map[string: "result"]?.celEquals(.int(42)) == true)
                #expect(map[string: "release"]?.celEquals(.int(release)) == true)
            }
            try await client.execute(uri: "/v1/call/math/basic/div", method: .post,
                                     body: ByteBuffer(string: #"{"args": [1, 0]}"#)) { response in
                #expect(response.status == .unprocessableContent)
                #expect(String(buffer: response.body).contains("division by zero"))
            }
            for (uri, code) in [("/v1/call/math/nope/add", "unknown_module"), ("/v1/call/math/basic/nope", "unknown_function"),
                                ("/v1/call/math/basic/_hidden", "unknown_function")] {
                try await client.execute(uri: uri, method: .post, body: ByteBuffer(string: #"{"args": []}"#)) { response in
                    #expect(response.status == .notFound, "\(uri)")
                    #expect(String(buffer: response.body).contains(code), "\(uri)")
                }
            }
            for body in ["not json", #"{"args": 3}"#, "[1, 2]"] {
                try await client.execute(uri: "/v1/call/math/basic/add", method: .post, body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .badRequest, "\(body)")
                    #expect(String(buffer: response.body).contains("\"error\""), "\(body)")
                }
            }
            let huge = ByteBuffer(string: #"{"args": [""# + String(repeating: "x", count: SidecarServer.maxBodyBytes) + #""]}"#)
            try await client.execute(uri: "/v1/call/math/basic/add", method: .post, body: huge) { response in
                #expect(response.status == .contentTooLarge)
            }
            try await client.execute(uri: "/v1/eval", method: .post,
                                     body: ByteBuffer(string: #"{"expr": "x + 1", "bindings": {"x": 41}}"#)) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("42"))
            }
            try await client.execute(uri: "/v1/eval", method: .post,
                                     body: ByteBuffer(string: #"{"expr": "x +", "bindings": {}}"#)) { response in
                #expect(response.status.code >= 400 && response.status.code < 500)
            }
            try await client.execute(uri: "/v1/status", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("sidecar"))
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(response.status == .ok)
                #expect(text.contains("hotload_applied_release \(release)"))
                #expect(text.contains("hotload_applies_total"))
            }
        }
        await running.stop()
        await fixture.close()
    }

    @Test func notReadyBeforeAReleaseIsLoaded() async throws {
        let node = Node(configuration: NodeConfiguration(database: "postgresql://127.0.0.1:1/none", name: "idle"))
        try await app(node).test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
            }
            try await client.execute(uri: "/v1/call/a/f", method: .post, body: ByteBuffer(string: #"{"args": []}"#)) { response in
                #expect(response.status == .serviceUnavailable)
            }
        }
    }
}
