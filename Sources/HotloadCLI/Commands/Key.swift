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
        public key. Keys are never stored in the database; `key register` records a \
        key's public half and its owner there, so that `log` and `show --release` name who \
        signed.
        """,
        subcommands: [KeyGenerate.self, KeyShow.self, KeyTrust.self, KeyRegister.self]
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
        try await reportingErrors {
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
        try await reportingErrors {
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
        try await reportingErrors {
            guard !keyFiles.isEmpty else { throw ValidationError("name at least one key file") }
            let keys = try keyFiles.map { try SigningKey(contentsOf: $0).publicKey }
            guard threshold >= 1, threshold <= Set(keys).count else {
                throw ValidationError("--threshold \(threshold) must be between 1 and the \(Set(keys).count) distinct keys given")
            }
            try Output.json(TrustPolicy(keys: keys, threshold: threshold).file)
        }
    }
}

/// `hotload key register KEYFILE --owner NAME`.
struct KeyRegister: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Record a key's public half and its owner in the database, for audit.",
        discussion: """
        Only the public key is sent. `hotload log` and `show --release` then name the owner \
        of the key's signatures instead of its key id. Registering a key again under the \
        same owner does nothing; a key registered to another owner is refused. Trust is \
        never taken from the database: nodes and `hotload verify` trust the keys of their \
        trust file. Needs hotload_pusher.
        """)

    @Argument(help: "The key file whose public key to register.")
    var keyFile: String

    @Option(help: "Who holds the key (a person or a pipeline), 1 to 200 characters.")
    var owner: String

    @OptionGroup var output: JSONOutputOption
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await reportingErrors {
            let key = try SigningKey(contentsOf: keyFile).publicKey
            let keyID = try await connection.withStore { store in
                try await store.registerKey(key, owner: owner)
            }
            if output.json { return try Output.json(["key_id": keyID, "owner": owner]) }
            Output.line("registered key \(keyID) to \(Output.safe(owner))")
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
