/// Which stored releases `Store.verify` checks.
public enum VerificationScope: Sendable, Hashable {
    /// One release.
    case release(Int64)
    /// The head of a channel (what its nodes run without a rollout).
    case head(channel: String)
    /// Every release of a channel.
    case channel(String)
    /// Every release of every channel.
    case all
}

/// Why a stored release does not verify: a stable `code`, a `message` that names what
/// is wrong, and the module or key concerned.
public struct VerificationFailure: Sendable, Hashable, CustomStringConvertible {
    /// A stable identifier of the kind of failure (snake_case `rawValue`, never changes meaning).
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The release has no signature at all.
        public static let unsigned = Code(rawValue: "unsigned")
        /// Too few trusted signatures, and a signature is by a key the policy does not trust (`keyID`).
        public static let unknownKey = Code(rawValue: "unknown_key")
        /// A trusted key's signature does not match the release as stored (`keyID`): the
        /// release, its module set or a source hash was changed after signing.
        public static let badSignature = Code(rawValue: "bad_signature")
        /// Fewer distinct trusted keys signed than the policy's threshold.
        public static let tooFewSignatures = Code(rawValue: "too_few_signatures")
        /// A revision's source does not hash to its stored SHA-256 (`module`).
        public static let sourceHash = Code(rawValue: "source_hash")
        /// The release's module set names a version that has no revision (`module`).
        public static let missingRevision = Code(rawValue: "missing_revision")
        /// The release as stored has no canonical manifest (a malformed hash, for example).
        public static let invalidManifest = Code(rawValue: "invalid_manifest")
        /// The release's parent is not the previous release of its channel.
        public static let parentLink = Code(rawValue: "parent_link")
        /// The release is its channel's head, but the module set nodes load for the head
        /// (`channel_modules`) is not the release's.
        public static let headCache = Code(rawValue: "head_cache")
    }

    public let code: Code
    public let message: String
    /// The module concerned (`source_hash`, `missing_revision`).
    public let module: String?
    /// The key concerned (`unknown_key`, `bad_signature`).
    public let keyID: String?

    public var description: String { message }

    init(_ code: Code, _ message: String, module: String? = nil, keyID: String? = nil) {
        self.code = code
        self.message = message
        self.module = module
        self.keyID = keyID
    }
}

/// The outcome of verifying one stored release.
public struct ReleaseVerification: Sendable, Hashable {
    public let release: Int64
    public let channel: String
    /// The trusted keys whose signatures verified, sorted (empty when the signature check failed).
    public let signers: [String]
    /// Everything wrong with the release; empty when it verifies.
    public let failures: [VerificationFailure]

    /// True when every check passed.
    public var isVerified: Bool { failures.isEmpty }
}

/// The outcome of `Store.verify`: every release checked, oldest first per channel.
public struct VerificationReport: Sendable, Hashable {
    public let releases: [ReleaseVerification]

    /// The releases that failed a check.
    public var failed: [ReleaseVerification] { releases.filter { !$0.isVerified } }
    /// True when every release checked verifies.
    public var isVerified: Bool { releases.allSatisfy(\.isVerified) }
}
