import Foundation
import HotloadNode
@testable import HotloadSidecar
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// The sidecar's OpenAPI document (`Sources/HotloadSidecar/openapi.json`): valid OpenAPI 3.1
/// (openapi-spec-validator), served unchanged at `/openapi.json`, and obeyed by a live
/// `hotload node` (schemathesis: every response conforms, no input gets a 5xx).
/// The Python tools come from `scripts/prerequisites`; without them these tests fail.
@Suite("OpenAPI contract", .serialized)
struct OpenAPIContractTests {
    static let document = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/HotloadSidecar/openapi.json")

    /// The release the conformance runs call: the document's examples name
    /// `billing/pricing.total`, so the examples phase reaches a 200.
    static let modules = [
        "billing/pricing": "fn total(a, b) = a + b\nfn share(a, b) = a / b\nfn _internal() = 1\n",
    ]

    /// The sidecar with `/v1/eval` enabled and no token.
    private func app(_ node: Node) -> some ApplicationProtocol {
        SidecarServer.application(node: node, host: "127.0.0.1", port: 0, limits: .default,
                                  logger: Logger(label: "openapi-test"),
                                  configuration: SidecarConfiguration(enableEval: true))
    }

    @Test func theDocumentIsValidOpenAPI31() async throws {
        let script = """
        import sys
        try:
            from openapi_spec_validator import validate
            from openapi_spec_validator.readers import read_from_filename
        except ImportError:
            sys.exit("openapi-spec-validator is missing: run scripts/prerequisites")
        spec, _ = read_from_filename(sys.argv[1])
        if spec.get("openapi") != "3.1.0":
            sys.exit("not an OpenAPI 3.1.0 document: %r" % spec.get("openapi"))
        validate(spec)
        print("valid")
        """
        let (status, output) = try await runProgram(URL(fileURLWithPath: "/usr/bin/env"),
                                                    ["python3", "-c", script, Self.document.path])
        #expect(status == 0 && output.contains("valid"), "\(output)")
    }

    /// The paths and methods of the document are those the sidecar routes (the 405 table
    /// names them; the conformance runs reach each through the router).
    @Test func theDocumentListsTheSidecarsRoutes() throws {
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.document)) as? [String: Any]
        let paths = try #require(document?["paths"] as? [String: [String: Any]])
        #expect(Set(paths.keys) == ["/v1/call/{module}/{function}", "/v1/eval", "/v1/status", "/healthz", "/metrics",
                                    "/openapi.json"])
        for (template, operations) in paths {
            let path = template.replacingOccurrences(of: "{module}", with: "billing/pricing")
                .replacingOccurrences(of: "{function}", with: "total")
            let methods = Set(operations.keys).intersection(["get", "put", "post", "delete", "options", "head", "patch", "trace"])
            #expect(methods.count == 1 && AllowedMethods.method(for: path)?.rawValue.lowercased() == methods.first,
                    "\(template): \(methods)")
        }
    }

    /// Every `(status, code)` the sidecar's sources send is named in the document's
    /// description of that status (405, sent for any undocumented method, in the API's).
    @Test func everyErrorCodeTheSidecarSendsIsDocumented() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Self.document)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let shared = (document["components"] as? [String: Any])?["responses"] as? [String: [String: Any]] ?? [:]
        var described: [String: String] = [:]
        for operation in paths.values.flatMap(\.values).compactMap({ $0 as? [String: Any] }) {
            for (status, response) in operation["responses"] as? [String: [String: Any]] ?? [:] {
                let resolved = (response["$ref"] as? String).flatMap { shared[String($0.split(separator: "/").last ?? "")] } ?? response
                described[status, default: ""] += (resolved["description"] as? String ?? "") + "\n"
            }
        }
        described["405"] = (document["info"] as? [String: Any])?["description"] as? String
        let sources = Self.document.deletingLastPathComponent()
        var sent = 0
        for file in try FileManager.default.contentsOfDirectory(atPath: sources.path) where file.hasSuffix(".swift") {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for match in text.matches(of: /\.error\((\d{3}), "([a-z_]+)"/) {
                sent += 1
                #expect(described[String(match.1)]?.contains("`\(match.2)`") == true, "\(file): \(match.1) \(match.2) is not documented")
            }
        }
        #expect(sent >= 20)
    }

    @Test func theNodeServesTheDocumentWithoutAToken() async throws {
        let node = Node(configuration: NodeConfiguration(database: "postgresql://127.0.0.1:1/none", name: "openapi"))
        let app = SidecarServer.application(
            node: node, host: "127.0.0.1", port: 0, limits: .default, logger: Logger(label: "openapi-test"),
            configuration: SidecarConfiguration(token: String(repeating: "t", count: 32)))
        let expected = try Data(contentsOf: Self.document)
        try await app.test(.router) { client in
            try await client.execute(uri: "/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                #expect(Data(response.body.readableBytesView) == expected)
            }
            // The document is open; the API it describes is not.
            try await client.execute(uri: "/v1/status", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    // What the conformance runs found, each fixed in the sidecar.

    /// A generated client percent-encodes the module path's `/` (a path parameter cannot
    /// hold one); the node looked `billing%2Fpricing` up as it came and answered 404.
    @Test func aPercentEncodedModulePathCallsTheModule() async throws {
        let fixture = try await NodeFixture.make()
        let release = try await fixture.push(Self.modules)
        let running = RunningNode.start(fixture.configuration(name: "encoded"))
        try await running.waitFor(release: release)
        try await app(running.node).test(.router) { client in
            for uri in ["/v1/call/billing/pricing/total", "/v1/call/billing%2Fpricing/total",
                        "/v1/call/billing%2fpricing/%74otal"] {
                try await client.execute(uri: uri, method: .post, body: ByteBuffer(string: #"{"args": [40, 2]}"#)) { response in
                    #expect(response.status == .ok, "\(uri)")
                    #expect(String(buffer: response.body) == #"{"result":42,"release":\#(release)}"#, "\(uri)")
                }
            }
            // An escape that decodes to no text is a malformed request, not a lookup.
            try await client.execute(uri: "/v1/call/billing%zz/total", method: .post, body: ByteBuffer()) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("malformed_request"))
            }
        }
        await running.stop()
        await fixture.close()
    }

    /// A method the document does not list for a path gets 405 with `Allow` (RFC 9110),
    /// not the 404 of a path that does not exist; unknown paths still get 404.
    @Test func anUndocumentedMethodGets405WithAllow() async throws {
        let node = Node(configuration: NodeConfiguration(database: "postgresql://127.0.0.1:1/none", name: "methods"))
        try await app(node).test(.router) { client in
            for (method, uri, allow) in [(HTTPRequest.Method.trace, "/healthz", "GET"), (.delete, "/v1/status", "GET"),
                                         (.post, "/metrics", "GET"), (.put, "/openapi.json", "GET"),
                                         (.get, "/v1/eval", "POST"), (.get, "/v1/call/billing/pricing/total", "POST"),
                                         (.patch, "/v1/call/m/f", "POST"), (.post, "/healthz/", "GET"),
                                         (.get, "//v1/eval", "POST"), (.delete, "/v1/call/m/f/", "POST")] {
                try await client.execute(uri: uri, method: method) { response in
                    #expect(response.status == .methodNotAllowed, "\(method) \(uri)")
                    #expect(response.headers[.allow] == allow, "\(method) \(uri)")
                    #expect(String(buffer: response.body).contains("method_not_allowed"), "\(method) \(uri)")
                }
            }
            for uri in ["/nope", "/v1/call", "/v1", "/healthz/x", "/v2/call/m/f", "/v1/eval/x"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .notFound, "\(uri)")
                }
            }
        }
    }

    /// Every 503 of a call says when to retry: `not_loaded` (no release yet) had no
    /// `Retry-After`, unlike `busy`.
    @Test func notLoadedCarriesRetryAfter() async throws {
        let node = Node(configuration: NodeConfiguration(database: "postgresql://127.0.0.1:1/none", name: "unloaded"))
        try await app(node).test(.router) { client in
            for uri in ["/v1/call/billing/pricing/total", "/v1/eval"] {
                try await client.execute(uri: uri, method: .post, body: ByteBuffer(string: #"{"expr": "1"}"#)) { response in
                    #expect(response.status == .serviceUnavailable, "\(uri)")
                    #expect(response.headers[.retryAfter] == "1", "\(uri)")
                    #expect(String(buffer: response.body).contains("not_loaded"), "\(uri)")
                }
            }
        }
    }

    @Test func aNodeWithoutTokenOrEvalConforms() async throws {
        try await conformanceRun(token: nil, enableEval: false)
    }

    @Test func aNodeWithTokenAndEvalConforms() async throws {
        try await conformanceRun(token: "conformance-token-0123456789", enableEval: true)
    }

    /// Starts `hotload node` on a fresh database with `modules` pushed, and runs schemathesis
    /// against it with the document (`theNodeServesTheDocumentWithoutAToken` shows the node
    /// serves the same bytes). A 503 fails the run too: the node has a release loaded and one
    /// client at a time stays far below its queue, so neither `not_loaded` nor `busy` may occur.
    private func conformanceRun(token: String?, enableEval: Bool) async throws {
        let fixture = try await NodeFixture.make()
        let release = try await fixture.push(Self.modules)
        let workspace = FileManager.default.temporaryDirectory.appendingPathComponent("openapi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        var arguments = ["--database", fixture.url, "--name", "conformance"]
        if let token {
            let tokenFile = workspace.appendingPathComponent("token")
            try Data(token.utf8).write(to: tokenFile)
            arguments += ["--token-file", tokenFile.path]
        }
        if enableEval { arguments.append("--enable-eval") }
        let node = try NodeProcess.start(arguments, log: workspace.appendingPathComponent("node.log"))
        do {
            try await node.waitUntilServing(release: release)
            let exchanges = try await schemathesis(node, workspace, token.map { ["--header", "Authorization: Bearer \($0)"] } ?? [])
            // The run reached the functions, not only the error paths.
            #expect(exchanges.count > 50, "\(exchanges.count) requests")
            #expect(exchanges.contains { $0.method == "POST" && $0.path.hasPrefix("/v1/call/") && $0.status == 200 })
            #expect(exchanges.contains { $0.method == "POST" && $0.path == "/v1/eval" && $0.status == (enableEval ? 200 : 404) })
            if token != nil {
                // Without the token: every 401 conforms too (WWW-Authenticate, the error body).
                let refused = try await schemathesis(node, workspace, ["--exclude-checks", "positive_data_acceptance", "--phases", "examples,fuzzing",
                                                                       "--max-examples", "5"])
                let guarded = refused.filter { !["/healthz", "/openapi.json"].contains($0.path) }
                #expect(!guarded.isEmpty && guarded.allSatisfy { $0.status == 401 || $0.status == 405 },
                        "\(guarded.filter { $0.status != 401 && $0.status != 405 })")
            }
        } catch {
            await node.stop()
            throw error
        }
        await node.stop()
        try? FileManager.default.removeItem(at: workspace)
        await fixture.close()
    }
}

extension OpenAPIContractTests {
    /// Schema-valid requests must get 200, 404 (no such module or function; eval disabled)
    /// or 422 (the expression or call fails on its merits: a syntax error or a wrong arity
    /// cannot be expressed in the schema). Never 401 (the run sends the token) or a 5xx.
    static func schemathesisConfiguration(in directory: URL) throws -> URL {
        let file = directory.appendingPathComponent("schemathesis.toml")
        try Data("""
        [checks.positive_data_acceptance]
        expected-statuses = ["200", "404", "422"]

        """.utf8).write(to: file)
        return file
    }

    /// Runs schemathesis with every check and `options` against `node`; returns the exchanges.
    private func schemathesis(_ node: NodeProcess, _ workspace: URL, _ options: [String]) async throws
        -> [(method: String, path: String, status: Int)]
    {
        let har = workspace.appendingPathComponent("run-\(UUID().uuidString).har")
        let run = ["schemathesis", "--config-file", try Self.schemathesisConfiguration(in: workspace).path,
                   "run", Self.document.path, "--url", "http://127.0.0.1:\(node.port)",
                   "--checks", "all", "--max-examples", "15", "--workers", "1",
                   "--phases", "examples,coverage,fuzzing", "--generation-database", "none",
                   "--request-timeout", "10", "--no-color", "--report", "har", "--report-har-path", har.path] + options
        let (status, output) = try await runProgram(URL(fileURLWithPath: "/usr/bin/env"), run,
                                                    directory: workspace, timeout: .seconds(50))
        #expect(status == 0, "schemathesis exited \(status) (127: not installed, run scripts/prerequisites):\n\(output)\n--- node log:\n\(node.log())")
        #expect(output.contains("Tested: 6"), "every operation of the document is tested:\n\(output)")
        return try Self.exchanges(har)
    }

    /// Method, path and status of every exchange in schemathesis' HAR report.
    static func exchanges(_ har: URL) throws -> [(method: String, path: String, status: Int)] {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: har))
        guard let log = (json as? [String: Any])?["log"] as? [String: Any], let entries = log["entries"] as? [[String: Any]] else {
            throw FixtureError("\(har.path) is not a HAR file")
        }
        return entries.compactMap { entry in
            guard let request = entry["request"] as? [String: Any], let method = request["method"] as? String,
                  let url = (request["url"] as? String).flatMap(URLComponents.init(string:)),
                  let status = (entry["response"] as? [String: Any])?["status"] as? Int else { return nil }
            return (method, url.percentEncodedPath, status)
        }
    }
}
