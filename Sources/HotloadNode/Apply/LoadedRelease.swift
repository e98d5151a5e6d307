import CoreMetrics
import Foundation
import HotloadModules
import HotloadStore
import Tracing

/// A release as the node serves it: immutable, shared by every call that started on it.
public final class LoadedRelease: Sendable {
    /// The release id.
    public let release: Int64
    /// The channel it came from.
    public let channel: String
    /// Module name → revision, for planning the next apply.
    public let entries: [String: ManifestEntry]
    /// The sources, kept for relinking and for the offline cache.
    public let sources: [String: ModuleSource]
    /// The linked, callable modules.
    public let snapshot: Snapshot
    /// True when loaded from the offline cache rather than from the database.
    public let stale: Bool
    /// When this release became current on the node.
    public let appliedAt: Date
    /// The calls made through `call(module:function:args:)` on this release.
    package let stats = CallStats()
    /// The release's public functions with their swift-metrics handles, resolved when it
    /// was applied (`CallLabels`): what `call(module:function:args:)` looks calls up in.
    let calls: CallTable
    /// The release's parent, author, message and signatures as read with it (kept for the
    /// offline cache, which a node with a trust policy verifies on load).
    package let provenance: ReleaseProvenance?
    /// The node's tracer for this release's calls; nil when tracing is off (the no-op tracer).
    let tracer: CallTracer?

    /// Without `calls`, the release's calls are counted in no backend (`NOOPMetricsHandler`).
    package init(release: Int64, channel: String, entries: [String: ManifestEntry], sources: [String: ModuleSource],
                 snapshot: Snapshot, stale: Bool, appliedAt: Date = Date(), provenance: ReleaseProvenance? = nil,
                 calls: CallTable? = nil, tracer: CallTracer? = nil) {
        self.release = release
        self.channel = channel
        self.entries = entries
        self.sources = sources
        self.snapshot = snapshot
        self.stale = stale
        self.appliedAt = appliedAt
        self.provenance = provenance
        self.calls = calls ?? CallLabels(factory: NOOPMetricsHandler.instance).table(for: snapshot)
        self.tracer = tracer
    }

    /// A release serving `snapshot` outside any node (release 0 of channel `bench`), its
    /// calls counted in `calls` (no backend without) and traced as those of a node created
    /// now: what `hotload bench function --node-call` times.
    package convenience init(benchmarking snapshot: Snapshot, calls: CallTable? = nil) {
        self.init(release: 0, channel: "bench", entries: [:], sources: [:], snapshot: snapshot, stale: false,
                  calls: calls, tracer: Node.callTracer(InstrumentationSystem.tracer))
    }
}
