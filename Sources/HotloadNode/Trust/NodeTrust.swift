import HotloadStore

/// Which signatures a node requires before it runs a release (`NodeConfiguration.trust`).
///
/// With a trust source the node applies a release only when `TrustPolicy.verify` succeeds
/// on its manifest and every source it compiles hashes to the manifest's SHA-256; otherwise
/// it keeps its last good release and reports why. Without one (nil), releases are applied
/// unsigned, as before signing existed.
public enum NodeTrust: Sendable {
    /// A fixed policy, for embedders that build it themselves.
    case policy(TrustPolicy)
    /// A trust file (`hotload key trust` writes one): loaded at start, where an unusable
    /// file stops the start; reloaded when it changes (checked every second and before
    /// each apply) and on `Node.reloadTrust()`. It must be a regular file that belongs to
    /// this process's user or root and that the group and others may not write; it need
    /// not be secret.
    case file(String)
}
