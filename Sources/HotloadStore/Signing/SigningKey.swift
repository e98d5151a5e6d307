#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Crypto
import Foundation
import HotloadModules

/// An ed25519 public key and its key id (lowercase hex SHA-256 of the 32-byte key).
public struct SigningPublicKey: Sendable, Hashable {
    /// The 32 raw bytes of the public key (held as bytes: swift-crypto's key types are not
    /// `Sendable`).
    public let rawBytes: [UInt8]

    /// The raw public key in lowercase hex (64 digits), as the trust file writes it.
    public var hex: String { Hex.encode(rawBytes) }
    /// Lowercase hex SHA-256 of the 32 raw public key bytes.
    public var keyID: String { Hex.encode(SHA256.hash(data: rawBytes)) }

    /// A public key from its 32 raw bytes in hex; nil for anything else.
    public init?(hex: String) {
        guard let bytes = Hex.decode(hex), bytes.count == 32,
              (try? Curve25519.Signing.PublicKey(rawRepresentation: bytes)) != nil else { return nil }
        rawBytes = bytes
    }

    init(_ key: Curve25519.Signing.PublicKey) { rawBytes = Array(key.rawRepresentation) }

    /// Whether `signature` is this key's ed25519 signature over `bytes`.
    func isValidSignature(_ signature: [UInt8], for bytes: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: rawBytes) else { return false }
        return key.isValidSignature(signature, for: bytes)
    }

    /// Whether `signature` is this key's ed25519 signature over the manifest's canonical bytes.
    public func isValidSignature(_ signature: [UInt8], for manifest: ReleaseManifest) -> Bool {
        isValidSignature(signature, for: manifest.canonicalBytes())
    }
}

/// One signature over a release manifest: who signed (key id) and the 64 signature bytes.
public struct ReleaseSignature: Sendable, Hashable, Codable {
    /// Lowercase hex SHA-256 of the signer's public key.
    public let keyID: String
    /// The ed25519 signature over `ReleaseManifest.canonicalBytes()`.
    public let signature: [UInt8]

    public init(keyID: String, signature: [UInt8]) {
        self.keyID = keyID
        self.signature = signature
    }
}

/// An ed25519 private key that signs release manifests. Key files are text: the line
/// `hotload-ed25519-private-v1 HEX`, where HEX is the 32-byte private seed (64 hex
/// digits), and they must not be readable or writable by group or others.
public struct SigningKey: Sendable {
    /// The first word of every key file.
    public static let fileTag = "hotload-ed25519-private-v1"
    /// Key files are tiny; anything larger is refused without reading it all.
    static let maxFileBytes = 4096

    /// The 32-byte private seed (bytes: swift-crypto's key types are not `Sendable`).
    let seed: [UInt8]
    /// The public half.
    public let publicKey: SigningPublicKey
    /// The key id of the public half.
    public var keyID: String { publicKey.keyID }

    /// A fresh random key.
    public init() { self.init(Curve25519.Signing.PrivateKey()) }

    /// The key with this 32-byte seed (test vectors).
    public init(seed: [UInt8]) throws {
        self.init(try Curve25519.Signing.PrivateKey(rawRepresentation: seed))
    }

    private init(_ key: Curve25519.Signing.PrivateKey) {
        seed = Array(key.rawRepresentation)
        publicKey = SigningPublicKey(key.publicKey)
    }

    /// Signs the manifest's canonical bytes.
    public func sign(_ manifest: ReleaseManifest) throws -> ReleaseSignature {
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        let signature = try key.signature(for: manifest.canonicalBytes())
        return ReleaseSignature(keyID: keyID, signature: Array(signature))
    }

    /// The file's text.
    var fileText: String { "\(Self.fileTag) \(Hex.encode(seed))\n" }

    /// Loads a key file, refusing one that is not a regular file or that the group or
    /// others may read or write (as ssh does), before reading a byte of it.
    public init(contentsOf path: String) throws {
        let bytes: [UInt8]
        do {
            bytes = try BoundedFile.bytes(at: path, maxBytes: Self.maxFileBytes, kind: "key files", privateOnly: true)
        } catch {
            if let mode = error.exposedMode { throw SigningError.keyFilePermissions(path: path, mode: mode) }
            throw SigningError.invalidKeyFile(path: path, reason: error.message)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SigningError.invalidKeyFile(path: path, reason: "not a \(Self.fileTag) key")
        }
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard words.count == 2, words[0] == Self.fileTag, let seed = Hex.decode(String(words[1])), seed.count == 32,
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
            throw SigningError.invalidKeyFile(path: path, reason: "expected one line '\(Self.fileTag) <64 hex digits>'")
        }
        self.init(key)
    }

    /// Writes the key to a new file with mode 0600; refuses a path that exists (a file,
    /// a directory or a dangling symbolic link) and never overwrites.
    public func write(toNewFile path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { throw SigningError.keyFileExists(path: path) }
            throw SigningError.invalidKeyFile(path: path, reason: String(cString: strerror(errno)))
        }
        let bytes = Array(fileText.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let failure = written != bytes.count ? errno : (fsync(fd) != 0 ? errno : 0)
        close(fd)
        if failure != 0 || written != bytes.count {
            unlink(path)
            throw SigningError.invalidKeyFile(path: path, reason: "write failed: \(String(cString: strerror(failure)))")
        }
    }
}
