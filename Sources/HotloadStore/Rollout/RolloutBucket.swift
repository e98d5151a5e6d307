import Crypto

/// The bucket of a node in a rollout: the published contract that decides, with no
/// coordination, which nodes run a rollout's candidate release.
///
/// `bucket = the first 6 bytes, big-endian, of SHA-256("hotload-rollout" 0x00 salt 0x00
/// node-name)` (strings as UTF-8), an integer in `[0, 2^48)`. A node runs the candidate iff
/// it is pinned to it, or unpinned with `bucket < threshold`. The same salt and name give
/// the same bucket everywhere (stickiness); a higher threshold selects a superset
/// (monotonicity). Test vectors: `docs/rollout-vectors.json`.
public enum RolloutBucket {
    /// The number of buckets, 2^48; a threshold of `space` selects every node.
    public static let space: UInt64 = 1 << 48

    /// The bucket of `node` under `salt`.
    public static func bucket(salt: String, node: String) -> UInt64 {
        var hasher = SHA256()
        hasher.update(data: Array("hotload-rollout".utf8))
        hasher.update(data: [0])
        hasher.update(data: Array(salt.utf8))
        hasher.update(data: [0])
        hasher.update(data: Array(node.utf8))
        var value: UInt64 = 0
        for byte in hasher.finalize().prefix(6) {
            value = value << 8 | UInt64(byte)
        }
        return value
    }

    /// Whether a node in `bucket` runs the candidate at `threshold` (pins aside).
    public static func selects(bucket: UInt64, threshold: UInt64) -> Bool {
        bucket < threshold
    }
}
