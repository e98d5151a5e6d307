/// Why loading a key or trust file, building a manifest or verifying signatures failed: a
/// stable `code` to match on, a `message` that names the problem and the place, and the
/// context a caller acts on (`path`, `keyID`, `valid`, `threshold`). Like `StoreError`, a
/// struct: a new code breaks no caller's `switch`, and messages name no command-line flag.
public struct SigningError: Error, Sendable, CustomStringConvertible {
    /// A stable identifier of the kind of failure (snake_case `rawValue`, never changes meaning).
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A key file that cannot be read or is not a Hotload ed25519 key file (`path`).
        public static let invalidKeyFile = Code(rawValue: "invalid_key_file")
        /// A private key file that the group or others may read or write (`path`).
        public static let keyFilePermissions = Code(rawValue: "key_file_permissions")
        /// A key file to create already exists (`path`); it is never overwritten.
        public static let keyFileExists = Code(rawValue: "key_file_exists")
        /// A trust file that cannot be read or does not follow the documented format (`path`).
        public static let invalidTrustFile = Code(rawValue: "invalid_trust_file")
        /// A manifest that has no canonical encoding (negative id, bad hash, duplicate module).
        public static let invalidManifest = Code(rawValue: "invalid_manifest")
        /// Not enough valid signatures, and at least one is by a key the policy does not trust (`keyID`).
        public static let unknownKey = Code(rawValue: "unknown_key")
        /// A signature by a trusted key does not verify over the manifest (`keyID`).
        public static let badSignature = Code(rawValue: "bad_signature")
        /// Fewer distinct trusted keys signed than the threshold requires (`valid`, `threshold`).
        public static let tooFewSignatures = Code(rawValue: "too_few_signatures")
        /// The signed part of a notification does not decode (`SignedReleasePayload`).
        public static let invalidPayload = Code(rawValue: "invalid_payload")
    }

    public let code: Code
    public let message: String
    /// The file concerned, for file errors.
    public let path: String?
    /// The key concerned (hex key id), for `unknown_key` and `bad_signature`.
    public let keyID: String?
    /// How many distinct trusted keys signed validly, for verification failures.
    public let valid: Int?
    /// How many the policy requires, for verification failures.
    public let threshold: Int?

    public var description: String { message }

    init(_ code: Code, _ message: String, path: String? = nil, keyID: String? = nil,
         valid: Int? = nil, threshold: Int? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.keyID = keyID
        self.valid = valid
        self.threshold = threshold
    }

    static func invalidKeyFile(path: String, reason: String) -> SigningError {
        SigningError(.invalidKeyFile, "\(path): not a usable key file: \(reason)", path: path)
    }

    static func keyFilePermissions(path: String, mode: UInt32) -> SigningError {
        SigningError(.keyFilePermissions,
                     "\(path): private key file has mode \(String(mode & 0o777, radix: 8)), "
                     + "readable or writable by group or others; it must be 0600 or stricter",
                     path: path)
    }

    static func keyFileExists(path: String) -> SigningError {
        SigningError(.keyFileExists, "\(path): file exists; a key file is never overwritten", path: path)
    }

    static func invalidTrustFile(path: String, reason: String) -> SigningError {
        SigningError(.invalidTrustFile, "\(path): not a valid trust file: \(reason)", path: path)
    }

    static func invalidManifest(_ reason: String) -> SigningError {
        SigningError(.invalidManifest, "invalid release manifest: \(reason)")
    }

    static func unknownKey(_ keyID: String, valid: Int, threshold: Int) -> SigningError {
        SigningError(.unknownKey,
                     "signed by key \(keyID), which is not trusted; \(valid) of \(threshold) required trusted signatures",
                     keyID: keyID, valid: valid, threshold: threshold)
    }

    static func badSignature(_ keyID: String, valid: Int, threshold: Int) -> SigningError {
        SigningError(.badSignature,
                     "the signature by trusted key \(keyID) does not match the manifest (tampered or corrupted)",
                     keyID: keyID, valid: valid, threshold: threshold)
    }

    static func tooFewSignatures(valid: Int, threshold: Int) -> SigningError {
        SigningError(.tooFewSignatures,
                     "\(valid) distinct trusted key\(valid == 1 ? "" : "s") signed; \(threshold) required",
                     valid: valid, threshold: threshold)
    }

    static func invalidPayload(_ reason: String) -> SigningError {
        SigningError(.invalidPayload, "invalid signed notification: \(reason)")
    }
}
