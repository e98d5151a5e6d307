import ArgumentParser
import Foundation
import HotloadStore

/// `hotload key generate/show/trust`: ed25519 release-signing keys and trust files.
struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Create and inspect release-signing keys; write trust files.",
        discussion: """
        A key file holds an ed25519 private key (one line, `hotload-ed25519-private-v1 HEX`) \
        and must have mode 0600 or stricter. A key id is the hex SHA-256 of the 32-byte \
        public key. Keys are never stored in the database.
        """,
        subcommands: [KeyGenerate.self, KeyShow.self, KeyTrust.self]
    )
}

/// `hotload key generate --out FILE`.
struct KeyGenerate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a new private key (mode 0600) and print its key id and public key.",
        discussion: "An existing FILE is never overwritten.")

    @Option(help: "The new key file.")
    var out: String

    @OptionGroup var output: JSONOutputOption

    func run() async throws {
        try await reportingKeyErrors {
            let key = SigningKey()
            try key.write(toNewFile: out)
            try KeyReport(file: out, key: key.publicKey).print(json: output.json)
        }
    }
}

/// `hotload key show FILE`.
struct KeyShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Print the key id and public key of a key file.")

    @Argument(help: "The key file.")
    var file: String

    @OptionGroup var output: JSONOutputOption

    func run() async throws {
        try await reportingKeyErrors {
            try KeyReport(file: file, key: SigningKey(contentsOf: file).publicKey).print(json: output.json)
        }
    }
}

/// `hotload key trust KEYFILE... [--threshold K]`.
struct KeyTrust: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust",
        abstract: "Print a trust file (JSON) with the public halves of the given key files.",
        discussion: """
        Nodes given the trust file apply a release only when at least K distinct keys of it \
        signed the release. Redirect the output to a file: `hotload key trust a.key b.key \
        --threshold 2 > trust.json`.
        """)

    @Argument(help: "Key files whose public keys to trust.")
    var keyFiles: [String]

    @Option(help: "How many distinct trusted keys must sign a release.")
    var threshold = 1

    func run() async throws {
        try await reportingKeyErrors {
            guard !keyFiles.isEmpty else { throw ValidationError("name at least one key file") }
            let keys = try keyFiles.map { try SigningKey(contentsOf: $0).publicKey }
            guard threshold >= 1, threshold <= Set(keys).count else {
                throw ValidationError("--threshold \(threshold) must be between 1 and the \(Set(keys).count) distinct keys given")
            }
            try Output.json(TrustPolicy(keys: keys, threshold: threshold).file)
        }
    }
}

/// What `key generate` and `key show` print.
private struct KeyReport: Encodable {
    let file: String
    let key_id: String
    let public_key: String

    init(file: String, key: SigningPublicKey) {
        self.file = file
        key_id = key.keyID
        public_key = key.hex
    }

    func print(json: Bool) throws {
        if json { return try Output.json(self) }
        Output.line("key file:   \(Output.safe(file))")
        Output.line("key id:     \(key_id)")
        Output.line("public key: \(public_key)")
    }
}

/// `reportingErrors`, plus the fix for a key file others may read.
private func reportingKeyErrors(_ body: () async throws -> Void) async throws {
    try await reportingErrors {
        do {
            try await body()
        } catch let error as SigningError where error.code == .keyFilePermissions {
            Output.error("error: \(error.message)\nFix: chmod 600 \(error.path ?? "FILE")")
            throw ExitCode.failure
        }
    }
}
