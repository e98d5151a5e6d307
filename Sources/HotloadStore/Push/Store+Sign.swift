import PQ

extension Store {
    /// Signs the manifest of `release` (as the database now has it, read in the calling
    /// transaction, which created the release) with every key and stores the signatures
    /// with `hotload.release_sign`, which sends the release's NOTIFY: the signed payload
    /// (manifest, signatures and `changedSources`, the text of the modules the release
    /// changed) when it fits, which the database sends only when the release is its
    /// channel's stable head. A key given twice is refused there (`already_signed`).
    /// Returns the signers' key ids, sorted.
    static func sign(_ conn: isolated Connection, release: Int64, keys: [SigningKey],
                     changedSources: [String: String]) async throws -> [String] {
        let manifest = try await Queries.manifest(conn, release: release)
        let signatures = try keys.sorted { $0.keyID < $1.keyID }.map { try $0.sign(manifest) }
        let payload = SignedReleasePayload(manifest: manifest, signatures: signatures, sources: changedSources)
            .notificationPayload()
        do {
            _ = try await conn.query("SELECT hotload.release_sign($1, $2::text[], $3::text[], $4::text)",
                                     [.int(release), .textArray(signatures.map(\.keyID)),
                                      .textArray(signatures.map { Hex.encode($0.signature) }),
                                      payload.map { .text($0) } ?? .null])
        } catch {
            if error.sqlState == SignatureRefusal.alreadySigned { throw StoreError.alreadySigned(release: release) }
            throw error
        }
        return signatures.map(\.keyID)
    }
}
