import Crypto
import HotloadModules

/// A module's source with its hash, as loaded from disk by the module layer
/// (`ModuleFiles`) or read from the store, ready to push.
public struct ModuleFile: Sendable, Hashable {
    /// The module name, e.g. `billing/pricing`.
    public let name: String
    /// The path shown in diagnostics, e.g. `rules/billing/pricing.hl`.
    public let path: String
    /// The exact source text.
    public let text: String
    /// Lowercase hex SHA-256 of `text`'s UTF-8 bytes.
    public let sha256: String

    public init(name: String, path: String, text: String) {
        self.name = name
        self.path = path
        self.text = text
        self.sha256 = SHA256Hex.of(text)
    }

    /// A module loaded by the module layer (`ModuleFiles.load`), with its hash.
    public init(_ source: ModuleSource) {
        self.init(name: source.name, path: source.path, text: source.text)
    }

    /// The module as the module layer takes it (to link and check).
    package var source: ModuleSource { ModuleSource(name: name, path: path, text: text) }
}

/// SHA-256 in lowercase hex, the form stored in `hotload.revisions.sha256`.
package enum SHA256Hex {
    /// The hash of a string's UTF-8 bytes.
    package static func of(_ text: String) -> String {
        of(bytes: Array(text.utf8))
    }

    /// The hash of raw bytes.
    package static func of(bytes: [UInt8]) -> String {
        Hex.encode(SHA256.hash(data: bytes))
    }
}
