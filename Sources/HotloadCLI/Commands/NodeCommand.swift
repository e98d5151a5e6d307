import ArgumentParser
import CoreMetrics
import Foundation
import HotloadNode
import HotloadStore
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
        POST /v1/eval {"expr": "...", "bindings": {...}} (only with --enable-eval; 404 otherwise); \
        GET /v1/status; GET /healthz (200 once a release is loaded); GET /metrics (Prometheus); \
        GET /openapi.json (the OpenAPI 3.1 document of this API, for client generators). \
        With --token-file, every route but /healthz and /openapi.json needs \
        `Authorization: Bearer TOKEN` (401 otherwise).

        Limits: calls and evals run on --max-evaluations threads of their own (default: one per \
        core) with at most --max-queued waiting (default 64; 503 beyond, or when still queued \
        after --request-timeout, default 5 s), so slow requests never delay the node's own sync, \
        heartbeat and listener, nor /healthz. A request body must arrive within --request-timeout \
        (else the connection is closed) and be at most 1 MiB (413); a result whose JSON would \
        exceed 8 MiB is refused (422) before it is built. At most --max-connections connections \
        (default 256; more wait in the listen backlog); a connection idle for --idle-timeout \
        (default 30 s) is closed. Each evaluation is bounded by CEL's cost limits.

        Notifications are only hints (any role that can connect may send one): the node reads \
        the head at most once per --min-sync-interval (default 100 ms) whatever arrives.

        With --no-listen the node opens no listener connection (one database connection \
        instead of two, and no LISTEN, which poolers in transaction mode and hot standbys do \
        not support) and is woken only by its poll: a release reaches it about half a --poll-interval after the commit on average, \
        a whole one at worst, and each poll costs one small prepared statement. \
        --poll-interval is then at least 0.1 s (and spaced by --min-sync-interval); a listening \
        node accepts any positive value. A signed release is read like any other, never \
        applied from a notification.

        With --trust FILE (written by `hotload key trust`), the node applies only releases \
        signed by enough of the file's keys whose modules and source hashes match the signed \
        manifest; any other release is refused (the last good one keeps running) and shown by \
        `hotload status`. The file must be a regular file of this user or root that group and \
        others cannot write. It is re-read when it changes (checked every second) and on \
        SIGHUP; an unusable new \
        file keeps the keys in force and is logged. With it, a signed release that fits its \
        notification is applied from the notification without reading the database, when the \
        node runs its parent; a notification that does not verify is counted \
        (ignoredNotifications in /v1/status) and only wakes the node up to read.

        Give the database password through ~/.pgpass or PGPASSFILE (or PGPASSWORD / \
        HOTLOAD_DATABASE_URL in the environment), not in --database: command lines are visible \
        to every user in `ps`. Passwords are redacted wherever the node prints its target.
        SIGTERM/SIGINT stop it cleanly.

        Every option but --database also reads HOTLOAD_NODE_ and its name in upper snake case \
        (--poll-interval: HOTLOAD_NODE_POLL_INTERVAL; --enable-eval: HOTLOAD_NODE_ENABLE_EVAL=true, \
        false, 1 or 0); the command line wins, an empty variable counts as unset, and a \
        HOTLOAD_NODE_ variable no option reads is refused. --database reads HOTLOAD_DATABASE_URL.
        """)

    @Option(help: "The channel to follow. Env: HOTLOAD_NODE_CHANNEL.")
    var channel: String = "main"

    @Option(help: "The node's name in `hotload status` (default: host-pid). Env: HOTLOAD_NODE_NAME.")
    var name: String?

    @Option(help: "Where to serve HTTP: HOST:PORT, [IPv6]:PORT, or :PORT for every IPv4 interface (0.0.0.0). Env: HOTLOAD_NODE_LISTEN.")
    var listen: String = "127.0.0.1:8080"

    @Flag(inversion: .prefixedNo, help: "Serve POST /v1/eval (arbitrary expressions from clients). Off by default. Env: HOTLOAD_NODE_ENABLE_EVAL.")
    var enableEval = false

    @Option(help: "Require `Authorization: Bearer TOKEN` on every route but /healthz and /openapi.json; the file holds the token (16+ printable characters). Env: HOTLOAD_NODE_TOKEN_FILE.")
    var tokenFile: String?

    @Option(help: "Seconds a request may take to send its body and to wait for an evaluation thread. Env: HOTLOAD_NODE_REQUEST_TIMEOUT.")
    var requestTimeout: Double = 5

    @Option(help: "Evaluations running at once, each on its own thread; the default is the number of cores. Env: HOTLOAD_NODE_MAX_EVALUATIONS.")
    var maxEvaluations: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Evaluations waiting for a thread; beyond this requests get 503. Env: HOTLOAD_NODE_MAX_QUEUED.")
    var maxQueued: Int = 64

    @Option(help: "Open HTTP connections; further clients wait in the listen backlog. Env: HOTLOAD_NODE_MAX_CONNECTIONS.")
    var maxConnections: Int = 256

    @Option(help: "Seconds after which an idle HTTP connection is closed. Env: HOTLOAD_NODE_IDLE_TIMEOUT.")
    var idleTimeout: Double = 30

    @Option(help: "Milliseconds between two head reads at least, however many notifications arrive. Env: HOTLOAD_NODE_MIN_SYNC_INTERVAL.")
    var minSyncInterval: Double = 100

    @Option(help: "Seconds between head polls, fractions allowed (the safety net for a missed NOTIFY; the only wake-up with --no-listen, where it is at least 0.1). Env: HOTLOAD_NODE_POLL_INTERVAL.")
    var pollInterval: Double = 5

    @Flag(name: .customLong("no-listen"), help: "Open no listener connection and only poll: one connection per node instead of two and no LISTEN (for poolers in transaction mode and very large fleets), for about half a --poll-interval of latency on average. Env: HOTLOAD_NODE_NO_LISTEN.")
    var noListen = false

    @Option(help: "Longest reconnect delay in seconds. Env: HOTLOAD_NODE_BACKOFF_CAP.")
    var backoffCap: Double = 5

    @Option(help: "Cache the last good release here (files 0600 in a 0700 directory, sources checked against their SHA-256 on load, tied to the database) and serve it, marked stale, when the database is unreachable at start. Env: HOTLOAD_NODE_CACHE_DIRECTORY.")
    var cacheDirectory: String?

    @Option(help: "Run only releases signed as this trust file requires (`hotload key trust` writes one); re-read on change and on SIGHUP. Env: HOTLOAD_NODE_TRUST.")
    var trust: String?

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await reportingErrors {
            let (host, port) = try Self.parseListen(listen)
            guard pollInterval > 0, pollInterval <= 86_400, backoffCap > 0, backoffCap <= 3_600 else {
                throw ValidationError("--poll-interval must be in (0, 86400] and --backoff-cap in (0, 3600] seconds")
            }
            guard !noListen || pollInterval >= 0.1 else {
                throw ValidationError("--poll-interval must be at least 0.1 seconds with --no-listen, not \(pollInterval)")
            }
            guard requestTimeout > 0, requestTimeout <= 3_600, idleTimeout > 0, idleTimeout <= 86_400,
                  minSyncInterval >= 1, minSyncInterval <= 60_000 else {
                throw ValidationError("--request-timeout must be in (0, 3600] and --idle-timeout in (0, 86400] seconds, --min-sync-interval in [1, 60000] ms")
            }
            let sidecar = SidecarConfiguration(
                enableEval: enableEval, token: try tokenFile.map(SidecarConfiguration.token(fromFile:)),
                requestTimeout: .milliseconds(Int64(requestTimeout * 1000)),
                maxConcurrentEvaluations: maxEvaluations, maxQueuedEvaluations: maxQueued,
                maxConnections: maxConnections, idleTimeout: .milliseconds(Int64(idleTimeout * 1000)))
            try sidecar.validate()
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = .info
                return handler
            }
            // Before the node is created: it records in the factory bootstrapped then.
            let prometheus = PrometheusBackend()
            MetricsSystem.bootstrap(prometheus.factory)
            let logger = Logger(label: "hotload.node")
            let configuration = NodeConfiguration(
                database: connection.resolved, channel: channel, name: name,
                pollInterval: .milliseconds(Int64((pollInterval * 1000).rounded())),
                backoffCap: .milliseconds(Int64(backoffCap * 1000)),
                cacheDirectory: cacheDirectory, minSyncInterval: .milliseconds(Int64(minSyncInterval)),
                trust: trust.map { .file($0) }, listensForNotifications: !noListen)
            try configuration.validate()
            // Refused here, before the HTTP server starts, as the node would refuse it at start.
            if let trust {
                do { _ = try TrustPolicy(contentsOf: trust) } catch { throw NodeStartError.trustFile(error) }
            }
            let node = Node(configuration: configuration, logger: logger)
            let app = SidecarServer.application(node: node, host: host, port: port,
                                                limits: configuration.limits, logger: logger, configuration: sidecar,
                                                prometheus: prometheus)
            logger.info("serving HTTP on \(host):\(port)\(host == "0.0.0.0" || host == "::" ? " (every interface)" : "")",
                        metadata: ["eval": "\(enableEval ? "enabled" : "disabled")", "token": "\(tokenFile == nil ? "none" : "required")"])
            let hangup = trust.map { _ in Self.reloadingTrust(on: SIGHUP, node) }
            defer { hangup?.cancel() }
            let group = ServiceGroup(configuration: .init(
                services: [.init(service: node), .init(service: AfterStart(node: node, service: app))],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
            try await group.run()
        }
    }

    /// Re-reads the node's trust file whenever `signal` arrives (the node logs the outcome
    /// and keeps the keys in force when the file is unusable).
    static func reloadingTrust(on signal: Int32, _ node: Node) -> any DispatchSourceSignal {
        Foundation.signal(signal, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: signal, queue: .global())
        source.setEventHandler { try? node.reloadTrust() }
        source.resume()
        return source
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

/// Runs `service` once `node` has started: the HTTP server does not start for a node that
/// cannot (its service group is cancelled first, and the start error is what is reported).
private struct AfterStart<Wrapped: Service>: Service {
    let node: Node
    let service: Wrapped

    func run() async throws {
        do {
            try await node.started()
        } catch is CancellationError {
            return
        }
        try await service.run()
    }
}
