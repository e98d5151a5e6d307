import Foundation
import Synchronization
import Testing

/// `GET /metrics` of a real `hotload node`, parsed by the Prometheus project's own Python
/// parser (`prometheus_client`, installed by `scripts/prerequisites`): the exposition
/// parses, and the node's and the sidecar's families carry the figures of what happened.
@Suite struct MetricsExpositionCLITests {
    /// Parses the exposition on standard input; prints the families as JSON.
    static let parser = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        families = [{"name": f.name, "type": f.type,
                     "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in f.samples]}
                    for f in text_string_to_metric_families(sys.stdin.read())]
        print(json.dumps(families))
        """

    struct Sample: Decodable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Family: Decodable {
        var name: String
        var type: String
        var samples: [Sample]
    }

    /// Runs `parser` on `text`; fails with the parser's own message (a missing
    /// `prometheus_client` included: run scripts/prerequisites).
    static func parse(_ text: String) async throws -> [String: Family] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", parser]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let (status, json, message) = await onThread {
            try? input.fileHandleForWriting.write(contentsOf: Data(text.utf8))
            try? input.fileHandleForWriting.close()
            let json = output.fileHandleForReading.readDataToEndOfFile()
            let message = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, json, String(decoding: message, as: UTF8.self))
        }
        guard status == 0 else {
            throw FixtureError("prometheus_client could not parse /metrics (install it with scripts/prerequisites): \(message)")
        }
        let families = try JSONDecoder().decode([Family].self, from: json)
        return Dictionary(families.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The value of `family`'s sample `name` with exactly `labels`.
    static func value(_ families: [String: Family], _ family: String, _ name: String,
                      _ labels: [String: String] = [:]) -> Double? {
        families[family]?.samples.first { $0.name == name && $0.labels == labels }?.value
    }

    @Test func aRunningNodeServesMetricsThePrometheusParserReads() async throws {
        let fixture = try await NodeFixture.make()
        let release = try await fixture.push(["math/basic": "fn add(a, b) = a + b\n"])
        let node = try NodeProcess.start(["--name", "exposition", "--database", fixture.url])
        defer { if node.process.isRunning { node.process.terminate() } }
        try await node.waitUntilServing(release: release)
        let port = node.port
        #expect(RawHTTP.request(port: port, "POST", "/v1/call/math/basic/add", body: #"{"args": [40, 2]}"#)?.status == 200)
        #expect(RawHTTP.request(port: port, "POST", "/v1/call/math/basic/add", body: "not json")?.status == 400)
        #expect(RawHTTP.request(port: port, "POST", "/v1/call/math/basic/nope", body: "{}")?.status == 404)

        let connection = try RawHTTP.connect(port: port)
        connection.send("GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        let (data, _) = await onThread { connection.receive(timeout: .seconds(10)) }
        connection.close()
        let response = String(decoding: data, as: UTF8.self)
        let head = response.components(separatedBy: "\r\n\r\n").first ?? ""
        #expect(head.lowercased().contains("content-type: text/plain; version=0.0.4; charset=utf-8"), "\(head)")
        let text = try #require(RawHTTP.parse(data)).body
        let families = try await Self.parse(text)

        #expect(families["hotload_applies"]?.type == "counter")
        #expect(Self.value(families, "hotload_applies", "hotload_applies_total") == 1)
        #expect(families["hotload_applied_release"]?.type == "gauge")
        #expect(Self.value(families, "hotload_applied_release", "hotload_applied_release") == Double(release))
        #expect(Self.value(families, "hotload_database_reachable", "hotload_database_reachable") == 1)
        #expect(Self.value(families, "hotload_apply_failures", "hotload_apply_failures_total") == 0)
        let add = ["module": "math/basic", "function": "add"]
        #expect(Self.value(families, "hotload_calls", "hotload_calls_total", add.merging(["outcome": "ok"]) { $1 }) == 1)
        #expect(Self.value(families, "hotload_calls", "hotload_calls_total",
                           ["module": "_other", "function": "_other", "outcome": "not_found"]) == 1)
        #expect(families["hotload_call_duration_seconds"]?.type == "histogram")
        #expect(Self.value(families, "hotload_call_duration_seconds", "hotload_call_duration_seconds_count", add) == 1)
        #expect(Self.value(families, "hotload_call_duration_seconds", "hotload_call_duration_seconds_bucket",
                           add.merging(["le": "+Inf"]) { $1 }) == 1)
        #expect(Self.value(families, "hotload_http_calls", "hotload_http_calls_total", ["outcome": "ok"]) == 1)
        #expect(Self.value(families, "hotload_http_calls", "hotload_http_calls_total", ["outcome": "bad_request"]) == 1)
        #expect(Self.value(families, "hotload_http_calls", "hotload_http_calls_total", ["outcome": "not_found"]) == 1)
        #expect(Self.value(families, "hotload_http_call_duration_seconds", "hotload_http_call_duration_seconds_count") == 3)
        for family in ["hotload_sync_duration_seconds", "hotload_apply_duration_seconds", "hotload_apply_lag_seconds"] {
            #expect(families[family]?.type == "histogram", "\(family)")
        }
        // No label value a caller sent.
        let values = Set(families.values.flatMap { $0.samples.flatMap { $0.labels.values } })
        #expect(!values.contains("nope"), "\(values)")

        await node.stop()
        await fixture.close()
    }
}
