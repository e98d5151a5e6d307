/// One module of a release as the node tracks it: which revision, and its content hash.
public struct ReleaseEntry: Sendable, Hashable {
    public var module: String
    public var version: Int64
    public var sha256: String
    public init(module: String, version: Int64, sha256: String) {
        self.module = module
        self.version = version
        self.sha256 = sha256
    }
}

/// What to do after reading the channel's head.
public enum HeadDecision: Sendable, Hashable {
    /// The head is what the node runs (or already refused): nothing to do.
    case nothing
    /// The head moved: read release `release`'s manifest and plan the change.
    case fetch(release: Int64)
}

/// How to go from the modules the node runs to those of a new release.
public struct ReleasePlan: Sendable, Hashable {
    /// Modules whose revision differs (new or changed): their sources must be fetched.
    public var changed: [ReleaseEntry]
    /// Modules the new release no longer has.
    public var removed: [String]
    /// Modules whose revision is the same (their compiled form is reused).
    public var unchangedCount: Int

    /// True when the new release has exactly the modules the node runs, e.g. a rollback
    /// to identical content: only the release number changes, nothing is compiled.
    public var isContentUnchanged: Bool { changed.isEmpty && removed.isEmpty }

    /// Modules to recompile: the changed ones and everything that imports them,
    /// directly or not (removed modules' importers too: they must now fail to link).
    public func affected(dependents: (String) -> Set<String>) -> Set<String> {
        var result = Set(changed.map(\.module))
        for name in changed.map(\.module) + removed {
            result.formUnion(dependents(name))
        }
        return result.subtracting(removed)
    }
}

/// The node's apply decisions, free of I/O so they can be tested exhaustively.
public enum ApplyPlanner {
    /// Decides from the head whether there is anything to apply.
    /// - Parameters:
    ///   - head: the channel's head release (nil: the channel has no release yet).
    ///   - applied: the release the node runs (nil: none yet).
    ///   - refused: the last release that failed to compile here; it is not retried
    ///     (compilation is deterministic) until another release becomes head.
    public static func decide(head: Int64?, applied: Int64?, refused: Int64?) -> HeadDecision {
        guard let head else { return .nothing }
        if head == applied || head == refused { return .nothing }
        return .fetch(release: head)
    }

    /// Compares the running modules with a release's manifest.
    /// A module counts as changed when its version or its content hash differs.
    public static func plan(current: [String: ReleaseEntry], target: [ReleaseEntry]) -> ReleasePlan {
        var changed: [ReleaseEntry] = []
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
