/// What the release a node runs is to its channel (`hotload status`, a node's status).
public enum ReleaseRole: String, Sendable, Hashable, Codable, CaseIterable {
    /// The channel's stable release (on a channel without a rollout, its head).
    case stable
    /// The candidate of the channel's active rollout, selected by the node's bucket.
    case candidate
    /// The release the node is pinned to (the stable release or the candidate).
    case pinned
}
