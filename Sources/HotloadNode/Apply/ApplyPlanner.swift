import HotloadStore

/// What to do after reading which release the node should run.
package enum HeadDecision: Sendable, Hashable {
    /// The target is what the node runs (or already refused): nothing to do.
    case nothing
    /// The target moved: read release `release`'s manifest and plan the change.
    case fetch(release: Int64)
}

/// How to go from the modules the node runs to those of a new release.
package struct ReleasePlan: Sendable, Hashable {
    /// Modules whose revision differs (new or changed): their sources must be fetched.
    package var changed: [ManifestEntry]
    /// Modules the new release no longer has.
    package var removed: [String]
    /// Modules whose revision is the same (their compiled form is reused).
    package var unchangedCount: Int

    /// True when the new release has exactly the modules the node runs, e.g. a rollback
    /// to identical content: only the release number changes, nothing is compiled.
    package var isContentUnchanged: Bool { changed.isEmpty && removed.isEmpty }
}

/// The node's apply decisions, free of I/O so they can be tested exhaustively.
package enum ApplyPlanner {
    /// Decides from the target whether there is anything to apply.
    /// - Parameters:
    ///   - head: the release the node should run (`TargetRead.release`: the channel's
    ///     head without a rollout; nil: the channel has no release for it yet).
    ///   - applied: the release the node runs (nil: none yet).
    ///   - refused: the last release that failed to compile here; it is not retried
    ///     (compilation is deterministic) until another release becomes the target.
    package static func decide(head: Int64?, applied: Int64?, refused: Int64?) -> HeadDecision {
        guard let head else { return .nothing }
        if head == applied || head == refused { return .nothing }
        return .fetch(release: head)
    }

    /// Compares the running modules with a release's manifest.
    /// A module counts as changed when its version or its content hash differs.
    package static func plan(current: [String: ManifestEntry], target: [ManifestEntry]) -> ReleasePlan {
        var changed: [ManifestEntry] = []
        var seen = Set<String>()
        for entry in target {
            seen.insert(entry.module)
            if let old = current[entry.module], old.version == entry.version, old.sha256 == entry.sha256 {
                continue
            }
            changed.append(entry)
        }
        let removed = current.keys.filter { !seen.contains($0) }.sorted()
        return ReleasePlan(changed: changed.sorted { $0.module < $1.module }, removed: removed,
                           unchangedCount: seen.count - changed.count)
    }
}
