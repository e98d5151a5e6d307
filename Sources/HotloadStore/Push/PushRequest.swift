import HotloadModules

/// Options shared by every operation that creates a release (push, rm, rollback).
public struct ReleaseOptions: Sendable {
    /// The channel to change; created by the first push to it.
    public var channel: String
    /// Recorded on the release and on new revisions.
    public var author: String
    public var message: String
    /// Refuse unless the channel's head is this release (0: the channel has no release yet).
    public var expectedHead: Int64?
    /// Plan and check, report what would change, write nothing.
    public var dryRun: Bool
    /// Do not compile (emergencies); recorded on the release.
    public var skipCheck: Bool
    /// The host's declarations that the compile check (the module layer's `ReleaseCheck`,
    /// under `Limits.default`) checks the modules against; none by default.
    public var host: HostEnvironment
    /// Abort the channel's active rollout (recorded as this login's abort) instead of
    /// refusing the release while it is active.
    public var supersede: Bool
    /// Keys that sign the release in the transaction that creates it; empty: the release
    /// is unsigned. A key given twice refuses the release (`already_signed`: a key signs a
    /// release once). A dry run signs nothing.
    public var signingKeys: [SigningKey]

    public init(channel: String = "main", author: String, message: String = "",
                expectedHead: Int64? = nil, dryRun: Bool = false, skipCheck: Bool = false,
                supersede: Bool = false, host: HostEnvironment = HostEnvironment(),
                signingKeys: [SigningKey] = []) {
        self.channel = channel
        self.author = author
        self.message = message
        self.expectedHead = expectedHead
        self.dryRun = dryRun
        self.skipCheck = skipCheck
        self.host = host
        self.supersede = supersede
        self.signingKeys = signingKeys
    }
}

/// `hotload push`: the local modules, pushed as one release.
public struct PushRequest: Sendable {
    /// The modules as read from disk.
    public var modules: [ModuleFile]
    /// Also delete the channel's modules that are not in `modules`.
    public var prune: Bool
    public var options: ReleaseOptions

    public init(modules: [ModuleFile], prune: Bool = false, options: ReleaseOptions) {
        self.modules = modules
        self.prune = prune
        self.options = options
    }
}

/// What an operation that creates a release did (or, for a dry run, would do).
public struct PushResult: Sendable {
    public var channel: String
    /// The new release; nil when nothing changed or on a dry run.
    public var release: Int64?
    /// The channel's head before the operation.
    public var previousHead: Int64?
    /// The changes, sorted by module. Empty means nothing changed and no release was made.
    /// On a dry run the versions are the ones the push would use.
    public var changes: [ReleaseChange]
    /// The modules the check compiled (changed ones and their importers), sorted.
    public var checked: [String]
    public var dryRun: Bool
    public var skippedCheck: Bool
    /// The key ids that signed the new release, sorted; empty when it is unsigned (and on
    /// a dry run or when nothing changed).
    public var signers: [String]
    /// The rollout the new release became the candidate of (a channel with a policy turns
    /// every push into one) and its phase right after the push; nil when the release
    /// became the channel's stable release at once.
    public var rollout: (id: Int64, phase: RolloutPhase)?

    /// True when nothing differed from the channel's head, so no release was created.
    public var isNoChange: Bool { changes.isEmpty }
}
