import Foundation
import PQ

/// The SQLSTATEs `sql/0400_signatures.sql` refuses signing calls with.
enum SignatureRefusal {
    /// `key_register`: the key is registered to another owner (the owner in DETAIL).
    static let keyOwnerConflict = "HL022"
    /// `release_sign`: a key already signed the release.
    static let alreadySigned = "HL023"
}

extension Store {
    /// Who signed each of `releases`, by release (releases without a signature are absent).
    /// The stored signatures, not verified ones: `verify` checks them against a trust policy.
    public func signatures(of releases: [Int64]) async throws -> [Int64: [SignatureRecord]] {
        try await run(needs: .reader) {
            try await Queries.signatureRecords(connection, releases: releases)
        }
    }

    /// A release with its changes, its full module set (the manifest its signatures cover,
    /// as the database has it) and its stored signatures.
    public func release(_ id: Int64) async throws -> ReleaseDetail {
        try await run(needs: .reader) {
            try await connection.transaction { @Sendable conn in
                try await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                let rows = try await conn.query(
                    "SELECT \(Queries.releaseColumns) FROM hotload.releases r WHERE r.id = $1", [.int(id)])
                guard let row = rows.first else { throw StoreError.unknownRelease(id) }
                let manifest = try await Queries.manifest(conn, release: id)
                let changes = try await conn.query("""
                    SELECT module, version::bigint AS version, action FROM hotload.release_changes
                    WHERE release = $1 ORDER BY module COLLATE "C"
                    """, [.int(id)])
                var record = try Queries.releaseRecord(row)
                record.changes = try changes.map(Queries.releaseChange)
                record.signatures = try await Queries.signatureRecords(conn, releases: [id])[id] ?? []
                return ReleaseDetail(record: record, modules: manifest.modules)
            }
        }
    }

    /// Registers a public key under `owner` for audit (`hotload.key_register`), so that
    /// `log` and `show` name the owner of its signatures; returns the key id. Only the
    /// public key is sent. Registering it again under the same owner does nothing; under
    /// another owner it is refused (`key_owner_conflict`). Trust is never taken from this
    /// registry: nodes and `verify` trust the keys of their trust policy.
    @discardableResult
    public func registerKey(_ key: SigningPublicKey, owner: String) async throws -> String {
        // The table's constraint refuses these too; this says which value to fix.
        guard (1...200).contains(owner.unicodeScalars.count), !owner.unicodeScalars.contains(where: TerminalText.isControl) else {
            throw StoreError.invalidRequest("a key's owner is 1 to 200 characters without control characters")
        }
        return try await run(needs: .pusher) {
            do {
                let rows = try await connection.query("SELECT hotload.key_register($1, $2) AS key_id",
                                                      [.text(key.hex), .text(owner)])
                return try rows.first?.decode("key_id", as: String.self) ?? key.keyID
            } catch let error as PQError where error.sqlState == SignatureRefusal.keyOwnerConflict {
                throw StoreError.keyOwnerConflict(keyID: key.keyID, owner: error.detail ?? "another owner")
            }
        }
    }
}
