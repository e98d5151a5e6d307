import CoreMetrics
import Foundation
import HotloadStore
import Logging
import PQ
import ServiceLifecycle
import Synchronization
import Tracing

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
///
/// The node records its figures (applies, refusals, calls by module, function and
/// outcome, durations, lag) through swift-metrics, in the factory that is
/// `MetricsSystem.factory` when it is created: the backend the host bootstrapped, or one
/// bound with `withMetricsFactory` around `Node(configuration:)`.
public final class Node: Service, Sendable {
    public let configuration: NodeConfiguration
    let logger: Logger
    let holder = SnapshotHolder<LoadedRelease>()
    let broadcaster = EventBroadcaster<ApplyEvent>()
    let compiler: ReleaseCompiler
    let queries: QueryConnection
    let instance = UUID()
    let state: Mutex<NodeState>
    /// The node's figures in swift-metrics.
    let metrics: NodeMetrics
    /// Per-release call figures over the last minute, reported with the heartbeat.
    let callMetrics = CallMetricsWindow()
    /// Fired once `run()` passed its start checks.
    let startSignal = StartSignal()
    /// The signatures releases need (`NodeConfiguration.trust`).
    let trust: TrustState
    /// One apply at a time: a sync's and a signed notification's never interleave.
    let applyGate = ApplyGate()
    /// The running driver's input, to ask for a sync from outside it (a trust reload).
    let driverInput = Mutex<AsyncStream<DriverEvent>.Continuation?>(nil)
    /// The tracer in force when the node was created (`InstrumentationSystem.tracer`: the
    /// bootstrapped one, or one bound with `withTracer`); `NoOpTracer` when none is.
    let tracer: any Tracer
    /// `tracer` for the releases' calls: nil for the no-op tracer, so that an untraced call
    /// costs one nil check.
    package let callTracer: CallTracer?

    /// Creates a node; nothing happens until `run()`. Its metrics go to `MetricsSystem.factory`
    /// as it is now (see the type's documentation), its spans (syncs and calls) to
    /// `InstrumentationSystem.tracer` as of now: bootstrap both first.
    public init(configuration: NodeConfiguration, logger: Logger = Logger(label: "hotload.node")) {
        self.configuration = configuration
        metrics = NodeMetrics(factory: MetricsSystem.factory)
        state = Mutex(NodeState(metrics: metrics))
        var logger = logger
        logger[metadataKey: "node"] = "\(configuration.name)"
        self.logger = logger
        self.compiler = ReleaseCompiler(host: configuration.host, limits: configuration.limits)
        self.trust = TrustState(configuration.trust)
        let tracer = InstrumentationSystem.tracer
        self.tracer = tracer
        self.callTracer = Self.callTracer(tracer)
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

    /// Returns once `run()` passed its start checks (a valid configuration and trust file,
    /// and the database reached or a cached release served), so that a host starts what
    /// serves the node only then; throws `CancellationError` if the waiting task is
    /// cancelled first (as a service group does when `run()` fails).
    public func started() async throws {
        try await startSignal.wait()
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
                       signatureRefusals: state.signatureRefusals, fastPathApplies: state.fastPathApplies,
                       ignoredNotifications: state.ignoredNotifications, trustError: trust.error,
                       startedAt: state.startedAt)
        }
    }

    /// Reads the trust file again now (the node also notices a changed file by itself
    /// within a second, and before each apply; the `hotload node` sidecar calls this on
    /// SIGHUP). The new policy applies from the next release on: the running release
    /// stays, and a release refused for its signatures is evaluated again at once. A fixed
    /// `TrustPolicy` or no trust source: nothing to do.
    /// - Throws: why the file is unusable (`SigningError` `invalid_trust_file`, or a refusal
    ///   naming the file: not a regular file, writable by group or others). The policy in
    ///   force stays; `status.trustError` says why until a usable file is read.
    public func reloadTrust() throws {
        if case .failed(let reason) = reloadTrustFile(force: true) {
            throw TrustReloadError(message: reason)
        }
    }

    /// Re-reads the trust file if it changed (or always, with `force`), logs the outcome,
    /// and after a new policy clears a refusal for signatures and asks for a sync.
    @discardableResult
    func reloadTrustFile(force: Bool) -> TrustState.Reload {
        let outcome = trust.reload(force: force)
        metrics.trustFileError.record(trust.error == nil ? 0 : 1)
        switch outcome {
        case .unchanged:
            break
        case .failed(let reason):
            logger.error("the trust file is unusable; keeping the trust policy in force", metadata: ["error": "\(reason)"])
        case .loaded:
            let cleared = state.withLock { state -> Int64? in
                guard state.refusedForTrust, let release = state.errorRelease else { return nil }
                state.refusedForTrust = false
                state.errorRelease = nil
                state.lastError = nil
                return release
            }
            logger.info("trust file reloaded", metadata: [
                "keys": "\(trust.policy?.keys.count ?? 0)", "threshold": "\(trust.policy?.threshold ?? 0)",
                "reevaluating": "\(cleared.map(String.init) ?? "none")",
            ])
            _ = driverInput.withLock { $0?.yield(.machine(.notification)) }
        }
        return outcome
    }
}

/// `Node.reloadTrust()` found the trust file unusable; the policy in force stays.
public struct TrustReloadError: Error, Sendable, CustomStringConvertible {
    /// Which file and what is wrong with it.
    public let message: String
    public var description: String { message }
}

/// Mutable bookkeeping of a node (not on the call path). Its counters and flags record
/// themselves in `metrics` when they change, so the backend always agrees with `NodeStatus`.
struct NodeState: Sendable {
    let metrics: NodeMetrics
    var listening = false { didSet { metrics.listening.record(listening ? 1 : 0) } }
    var databaseReachable = false { didSet { metrics.databaseReachable.record(databaseReachable ? 1 : 0) } }
    /// The last release refused here, and why.
    var errorRelease: Int64?
    var lastError: NodeError?
    /// The refusal of `errorRelease` was for its signatures: a new trust policy clears it.
    var refusedForTrust = false
    var applies = 0 { didSet { metrics.applies.increment(by: applies - oldValue) } }
    var failures = 0 { didSet { metrics.applyFailures.increment(by: failures - oldValue) } }
    /// Syncs started (each reads the target once).
    var headReads = 0 { didSet { metrics.headReads.increment(by: headReads - oldValue) } }
    /// Releases refused because their signatures or sources did not verify.
    var signatureRefusals = 0 { didSet { metrics.signatureRefusals.increment(by: signatureRefusals - oldValue) } }
    /// Releases applied from a signed notification, without reading the database.
    var fastPathApplies = 0 { didSet { metrics.fastPathApplies.increment(by: fastPathApplies - oldValue) } }
    /// Signed notifications that did not verify or did not follow the running release.
    var ignoredNotifications = 0 {
        didSet { metrics.ignoredNotifications.increment(by: ignoredNotifications - oldValue) }
    }
    /// A signed notification is being decoded or applied.
    var fastPathRunning = false
    /// After an ignored signed notification, none is decoded before this instant.
    var fastPathQuietUntil: ContinuousClock.Instant?
    /// The last target read: what the running release is to the channel (`role(of:)`).
    var target: TargetRead? { didSet { metrics.targetRead(target?.release) } }
    var startedAt = Date()

    init(metrics: NodeMetrics) {
        self.metrics = metrics
    }
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
    /// Releases refused since start because their signatures or the hashes of their
    /// sources did not verify against the trust policy.
    public var signatureRefusals: Int
    /// Releases applied since start from a signed notification, without a database read.
    public var fastPathApplies: Int
    /// Signed notifications since start that were not applied because they did not decode,
    /// did not verify, or did not follow the running release (each then counts as a hint).
    public var ignoredNotifications: Int
    /// Why the trust file's last change was refused (the previous policy stays in force);
    /// nil when the file in force is the current one.
    public var trustError: String?
    public var startedAt: Date
}
