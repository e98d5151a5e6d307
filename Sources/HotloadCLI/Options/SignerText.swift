import HotloadStore

/// How the commands name who signed a release: the registered owner, else the short key id.
enum SignerText {
    /// The first 16 hex digits of a key id: enough to tell keys apart on a screen.
    static func shortKeyID(_ keyID: String) -> String { String(keyID.prefix(16)) }

    /// `alice (key 0123456789abcdef)`, or `key 0123456789abcdef` for an unregistered key.
    static func name(_ signature: SignatureRecord) -> String {
        let key = "key \(shortKeyID(signature.keyID))"
        guard let owner = signature.owner else { return key }
        return "\(Output.safe(owner)) (\(key))"
    }

    /// `signed by alice (key ...), key ...` or `unsigned`: what the database stores, not a
    /// verification (that is `hotload verify`).
    static func line(_ signatures: [SignatureRecord]) -> String {
        signatures.isEmpty ? "unsigned" : "signed by " + signatures.map(name).joined(separator: ", ")
    }
}

/// One signature in `--json` output.
struct SignatureJSON: Encodable {
    var key_id: String
    var owner: String?
    var db_role: String
    var created_at: String

    init(_ record: SignatureRecord) {
        key_id = record.keyID
        owner = record.owner
        db_role = record.databaseRole
        created_at = Output.timestamp(record.createdAt)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(key_id, forKey: .key_id)
        try container.encode(owner, forKey: .owner)  // null when the key is not registered
        try container.encode(db_role, forKey: .db_role)
        try container.encode(created_at, forKey: .created_at)
    }

    enum CodingKeys: String, CodingKey { case key_id, owner, db_role, created_at }
}
