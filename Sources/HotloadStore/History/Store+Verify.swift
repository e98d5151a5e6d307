import PQ

extension Store {
    /// Checks stored history against a trust policy, in one read-only snapshot. For each
    /// release in `scope`: its signatures meet the policy over the manifest the database
    /// has for it (`StoredRelease`: its row and its module set derived from the change
    /// history and the revisions' stored hashes); every revision of its module set exists
    /// and its source, hashed here, matches the stored SHA-256; its parent is the previous
    /// release of its channel (none for the first); at a channel's head, the module set
    /// nodes load (`channel_modules`, a cache a trigger keeps) is that module set.
    ///
    /// Nothing is trusted from the database: a writer who bypassed its triggers and
    /// constraints (changed a source and its hash, moved or added change rows, deleted
    /// signatures) makes the affected releases fail, each with the reason.
    ///
    /// `progress` is called after each release with the number done and the total.
    public func verify(_ scope: VerificationScope, trust: TrustPolicy,
                       progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil)
        async throws -> VerificationReport
    {
        try await run(needs: .reader) {
            try await connection.transaction { @Sendable conn in
                try await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                let targets = try await Self.verificationTargets(conn, scope)
                var hashes = SourceHashes()
                var results: [ReleaseVerification] = []
                results.reserveCapacity(targets.count)
                for target in targets {
                    results.append(try await Self.verify(conn, target, trust: trust, hashes: &hashes))
                    progress?(results.count, targets.count)
                }
                return VerificationReport(releases: results)
            }
        }
    }

    /// A release to verify, the release its parent must be, and whether it is its channel's head.
    private struct VerificationTarget: Sendable {
        var release: Int64
        var channel: String
        var parent: Int64?
        var previous: Int64?
        var isHead: Bool
    }

    /// The releases in `scope`, by channel and id, each with the previous release of its channel.
    private static func verificationTargets(_ conn: isolated Connection,
                                            _ scope: VerificationScope) async throws -> [VerificationTarget] {
        let channel: String?
        let release: Int64?
        switch scope {
        case .release(let id):
            channel = try await Queries.channel(conn, of: id)
            release = id
        case .head(let name):
            guard let head = try await Queries.head(conn, channel: name) else { throw StoreError.emptyChannel(name) }
            channel = name
            release = head
        case .channel(let name):
            guard try await Queries.head(conn, channel: name) != nil else { throw StoreError.emptyChannel(name) }
            channel = name
            release = nil
        case .all:
            channel = nil
            release = nil
        }
        let rows = try await conn.query("""
            SELECT t.id, t.channel, t.parent, t.previous, coalesce(c.head = t.id, false) AS is_head FROM (
                SELECT r.id, r.channel, r.parent, lag(r.id) OVER (PARTITION BY r.channel ORDER BY r.id) AS previous
                FROM hotload.releases r WHERE $1::text IS NULL OR r.channel = $1) t
            LEFT JOIN hotload.channels c ON c.name = t.channel
            WHERE $2::bigint IS NULL OR t.id = $2
            ORDER BY t.channel COLLATE "C", t.id
            """, [channel.map { .text($0) } ?? .null, release.map { .int($0) } ?? .null])
        return try rows.map { row in
            VerificationTarget(release: try row.decode("id", as: Int64.self),
                               channel: try row.decode("channel", as: String.self),
                               parent: try row.decode("parent", as: Int64?.self),
                               previous: try row.decode("previous", as: Int64?.self),
                               isHead: try row.decode("is_head", as: Bool.self))
        }
    }

    /// The revisions whose sources a run has hashed, and the ones that did not match: each
    /// revision is read and hashed once per run.
    private struct SourceHashes {
        var checked: Set<ModuleVersion> = []
        var failures: [ModuleVersion: VerificationFailure] = [:]
    }

    /// Verifies one release.
    private static func verify(_ conn: isolated Connection, _ target: VerificationTarget, trust: TrustPolicy,
                               hashes: inout SourceHashes) async throws -> ReleaseVerification {
        var failures: [VerificationFailure] = []
        if target.parent != target.previous {
            let parent = target.parent.map { "release \($0)" } ?? "none"
            let previous = target.previous.map { "release \($0)" } ?? "none (it is the channel's first)"
            failures.append(VerificationFailure(
                .parentLink, "its parent is \(parent), but the previous release of channel \(target.channel) is \(previous)"))
        }

        let stored = try await Queries.storedRelease(conn, release: target.release)
        for missing in stored.missing {
            failures.append(VerificationFailure(
                .missingRevision, "module \(missing.module) v\(missing.version) is in the release but has no revision",
                module: missing.module))
        }
        let keys = stored.modules.map { ModuleVersion(module: $0.module, version: $0.version) }
        for revision in try await Queries.revisions(conn, keys.filter { !hashes.checked.contains($0) }) {
            hashes.checked.insert(revision.key)
            let actual = SHA256Hex.of(revision.source)
            if actual != revision.sha256 {
                hashes.failures[revision.key] = VerificationFailure(
                    .sourceHash, "module \(revision.module) v\(revision.version): its source hashes to \(actual), "
                        + "but its stored hash is \(revision.sha256)",
                    module: revision.module)
            }
        }
        failures += keys.compactMap { hashes.failures[$0] }
        if target.isHead, let difference = try await headCacheDifference(conn, stored) {
            failures.append(VerificationFailure(
                .headCache, "what nodes load for the head of channel \(target.channel) (channel_modules) is not "
                    + "its module set: \(difference)"))
        }

        var signers: [String] = []
        do {
            let manifest = try stored.manifest()
            let signatures = try await Queries.signatures(conn, releases: [target.release])[target.release] ?? []
            if signatures.isEmpty {
                failures.append(VerificationFailure(.unsigned, "it is not signed"))
            } else {
                signers = try trust.verify(manifest: manifest, signatures: signatures)
            }
        } catch let error as SigningError {
            let code: VerificationFailure.Code = switch error.code {
            case .unknownKey: .unknownKey
            case .badSignature: .badSignature
            case .tooFewSignatures: .tooFewSignatures
            default: .invalidManifest
            }
            failures.append(VerificationFailure(code, error.message, keyID: error.keyID))
        }
        return ReleaseVerification(release: target.release, channel: target.channel, signers: signers, failures: failures)
    }

    /// The first difference between the `channel_modules` rows of the release's channel
    /// and its module set (`stored`, the channel's head), nil when they are the same.
    private static func headCacheDifference(_ conn: isolated Connection, _ stored: StoredRelease) async throws -> String? {
        let rows = try await conn.query(
            "SELECT module, version::bigint AS version, sha256 FROM hotload.channel_modules WHERE channel = $1",
            [.text(stored.channel)])
        var cached: [String: ManifestEntry] = [:]
        for row in rows {
            let entry = ManifestEntry(module: try row.decode("module", as: String.self),
                                      version: try row.decode("version", as: Int.self),
                                      sha256: try row.decode("sha256", as: String.self))
            cached[entry.module] = entry
        }
        // A module whose revision is missing has no hash to compare (that is `missing_revision`).
        var expected: [String: (version: Int, sha256: String?)] = [:]
        for entry in stored.modules { expected[entry.module] = (entry.version, entry.sha256) }
        for missing in stored.missing { expected[missing.module] = (missing.version, nil) }
        for name in Set(cached.keys).union(expected.keys).sorted() {
            switch (cached[name], expected[name]) {
            case (let have?, let want?) where have.version != want.version:
                return "module \(name) is v\(have.version), not v\(want.version)"
            case (let have?, let want?) where want.sha256 != nil && have.sha256 != want.sha256:
                return "module \(name) v\(have.version) has hash \(have.sha256), not \(want.sha256 ?? "")"
            case (.some, nil):
                return "module \(name) is there but not in the release"
            case (nil, .some):
                return "module \(name) of the release is missing"
            default:
                continue
            }
        }
        return nil
    }
}
