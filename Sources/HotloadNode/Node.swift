import Foundation
import HotloadStore
import Logging
import PQ
import ServiceLifecycle
import Synchronization

/// A node that follows a channel of the Hotload store: it loads the release it should run
/// (the channel's stable release, the candidate of a rollout that selects it, or the
/// release it is pinned to), compiles and links it, watches for changes and swaps
/// releases in atomically.
///
/// Embed it in a service group (it is a swift-service-lifecycle `Service`) and call
/// modules through `current`:
/// ```swift
/// let node = Node(configuration: NodeConfiguration(database: url, channel: "main"))
/// // in a ServiceGroup, or: try await node.run()
/// if let release = node.current {
///     let price = try release.call(module: "billing/pricing", function: "final_price", args: [order])
/// }
/// ```
/// Reading `current` takes no lock; a call keeps the snapshot it started with even
/// when a new release is swapped in meanwhile. `LoadedRelease.call` counts the call
/// (calls, failures, latency) for the release's health figures, which the node reports
/// with its heartbeat and rollout gates judge.
public final class Node: Service, Sendable {
    public let configuration: NodeConfiguration
    let logger: Logger
    let holder = SnapshotHolder<LoadedRelease>()
    let broadcaster = EventBroadcaster<ApplyEvent>()
    let compiler: ReleaseCompiler
    let queries: QueryConnection
    let instance = UUID()
    let state = Mutex(NodeState())
    /// Per-release call figures over the last minute, reported with the heartbeat.
    let callMetrics = CallMetricsWindow()

    /// Creates a node; nothing happens until `run()`.
    public init(configuration: NodeConfiguration, logger: Logger = Logger(label: "hotload.node")) {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "node"] = "\(configuration.name)"
        self.logger = logger
        self.compiler = ReleaseCompiler(host: configuration.host, limits: configuration.limits)
        var onConnect: (@Sendable (Connection) async -> Void)?
        if let directory = configuration.cacheDirectory {
            let cache = ReleaseCache(directory: directory)
            let log = logger
            onConnect = { conn in await Node.adoptCache(cache, conn, logger: log) }
        }
        self.queries = QueryConnection(configuration: ConnectionSettings.configuration(configuration, role: "query"),
                                       onConnect: onConnect)
    }

    /// Keeps the offline cache to the database just reached: releases cached from another
    /// database are removed (the next sync then caches this one's). Runs on every new query
    /// connection, before any sync uses it.
    static func adoptCache(_ cache: ReleaseCache, _ conn: Connection, logger: Logger) async {
        do {
            let identity = try await DatabaseIdentityQuery.read(conn)
            if try cache.adopt(identity) {
                logger.warning("the release cache came from another database; removed it", metadata: [
                    "directory": "\(cache.directory)", "database": "\(identity.name)",
                ])
            }
        } catch {
            logger.warning("could not check the release cache against the database", metadata: ["error": "\(error)"])
        }
    }

    /// The release being served, nil until one is loaded. Lock-free.
    public var current: LoadedRelease? { holder.load() }

    /// Apply events from now on (each call returns a new subscription).
    public var events: AsyncStream<ApplyEvent> { broadcaster.subscribe() }

    /// The node's state as reported by `/v1/status`.
    public var status: NodeStatus {
        let loaded = current
        return state.withLock { state in
            NodeStatus(name: configuration.name, channel: configuration.channel,
                       appliedRelease: loaded?.release,
                       role: loaded.flatMap { $0.stale ? nil : state.target?.role(of: $0.release) },
                       stale: loaded?.stale ?? false,
                       modules: loaded.map { $0.entries.count } ?? 0,
                       listening: state.listening, databaseReachable: state.databaseReachable,
                       errorRelease: state.errorRelease, lastError: state.lastError,
                       applies: state.applies, failures: state.failures, headReads: state.headReads,
                       startedAt: state.startedAt)
        }
    }
}

/// Mutable bookkeeping of a node (not on the call path).
struct NodeState: Sendable {
    var listening = false
    var databaseReachable = false
    /// The last release refused here, and why.
    var errorRelease: Int64?
    var lastError: NodeError?
    var applies = 0
    var failures = 0
    /// Syncs started (each reads the target once).
    var headReads = 0
    /// The last target read: what the running release is to the channel (`role(of:)`).
    var target: TargetRead?
    var startedAt = Date()
}

/// A node's state for people and monitoring.
public struct NodeStatus: Sendable, Codable, Hashable {
    public var name: String
    public var channel: String
    public var appliedRelease: Int64?
    /// What the applied release is to the channel: its stable release, the candidate of
    /// its rollout, or the release this node is pinned to (nil: not known, e.g. while
    /// serving the offline cache).
    public var role: ReleaseRole?
    /// True while serving a release from the offline cache.
    public var stale: Bool
    public var modules: Int
    /// True while the listener connection has LISTEN in place.
    public var listening: Bool
    public var databaseReachable: Bool
    /// The last release that failed to apply here and its first error.
    public var errorRelease: Int64?
    public var lastError: NodeError?
    /// Releases applied and refused since start.
    public var applies: Int
    public var failures: Int
    /// Head reads (syncs) since start: bounded by one per `minSyncInterval` whatever the
    /// notifications.
    public var headReads: Int
    public var startedAt: Date
}
