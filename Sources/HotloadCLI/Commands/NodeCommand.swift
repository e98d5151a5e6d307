import ArgumentParser
import Foundation
import HotloadNode
import HotloadSidecar
import Logging
import ServiceLifecycle

/// `hotload node`: follow a channel and serve its modules over HTTP.
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run a node: follow a channel's releases and serve module calls over HTTP.",
        discussion: """
        Loads the channel's head release, then hot-swaps every new release (woken by \
        LISTEN/NOTIFY, with a poll as safety net). A release that fails to compile here is \
        not applied; the node keeps the last good one and reports the error in `hotload status`.

        HTTP: POST /v1/call/{module path}/{function} {"args": [...]} → {"result": ..., "release": N}; \
        POST /v1/eval {"expr": "...", "bindings": {...}}; GET /v1/status; GET /healthz (200 once \
        a release is loaded); GET /metrics (Prometheus). SIGTERM/SIGINT stop it cleanly.
        """)

    @Option(help: "The channel to follow.")
    var channel: String = "main"

    @Option(help: "The node's name in `hotload status` (default: host-pid).")
    var name: String?

    @Option(help: "Where to serve HTTP, HOST:PORT.")
    var listen: String = "127.0.0.1:8080"

    @Option(help: "Seconds between head polls (the safety net for a missed NOTIFY).")
    var pollInterval: Double = 5

    @Option(help: "Longest reconnect delay in seconds.")
    var backoffCap: Double = 5

    @Option(help: "Cache the last good release here and serve it (marked stale) when the database is unreachable at start.")
    var cacheDirectory: String?

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await reportingErrors {
            let (host, port) = try Self.parseListen(listen)
            guard pollInterval > 0, pollInterval <= 86_400, backoffCap > 0, backoffCap <= 3_600 else {
                throw ValidationError("--poll-interval must be in (0, 86400] and --backoff-cap in (0, 3600] seconds")
            }
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = .info
                return handler
            }
            let logger = Logger(label: "hotload.node")
            let configuration = NodeConfiguration(
                database: connection.resolved, channel: channel, name: name,
                pollInterval: .milliseconds(Int64(pollInterval * 1000)),
                backoffCap: .milliseconds(Int64(backoffCap * 1000)),
                cacheDirectory: cacheDirectory)
            try configuration.validate()
            let node = Node(configuration: configuration, logger: logger)
            let app = SidecarServer.application(node: node, host: host, port: port,
                                                limits: configuration.limits, logger: logger)
            let group = ServiceGroup(configuration: .init(
                services: [.init(service: node), .init(service: app)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
            try await group.run()
        }
    }

    /// `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (all interfaces).
    static func parseListen(_ text: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (1...65_535).contains(port)
        else {
            throw ValidationError("--listen must be HOST:PORT with a port from 1 to 65535, not '\(text)'")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }
}
