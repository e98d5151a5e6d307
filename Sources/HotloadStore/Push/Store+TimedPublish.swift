import PQ

extension Store {
    /// Commits a release of `channel` that sets `module` to `source`, straight through
    /// `hotload.lock_channel` and `hotload.publish` (the store's own path and its one
    /// NOTIFY) without the compile check or any planning: the module is added when
    /// `parent` is nil (the channel's first release) and modified otherwise. With
    /// `signingKey`, the release is signed in its transaction as a signing push signs it
    /// (`Store.sign`: the NOTIFY carries the signed release when it fits). For the
    /// propagation benchmark, which times commit → swap on the nodes. On a channel with a
    /// policy, the release becomes the candidate of a new rollout, as any push does.
    /// - Returns: the release and the instant just before `COMMIT` was sent.
    package func publishTimed(channel: String, module: String, source: String, parent: Int64?,
                              signingKey: SigningKey? = nil) async throws
        -> (release: Int64, committedAt: ContinuousClock.Instant)
    {
        try await run(needs: .pusher) {
            let (release, committedAt) = try await timedTransaction {
                _ = try await connection.query("SELECT hotload.lock_channel($1, true)", [.text(channel)])
                let release = try await connection.query("""
                    SELECT hotload.publish($1, $2, 'bench', 'propagation', false, ARRAY[$3::text], ARRAY[$4::text],
                                           ARRAY[NULL::integer], ARRAY[$5::text], false, $6) AS release
                    """, [.text(channel), parent.map { .int($0) } ?? .null, .text(module),
                          .text(parent == nil ? "add" : "modify"), .text(source), .bool(signingKey == nil)])[0]
                    .decode("release", as: Int64.self)
                if let signingKey {
                    _ = try await Self.sign(connection, release: release, keys: [signingKey], changedSources: [module: source])
                }
                return release
            }
            return (release, committedAt)
        }
    }

    /// Runs `body` in a transaction of its own and returns its result with the instant
    /// just before `COMMIT` was sent (what the benchmarks time from: the change and its
    /// NOTIFY take effect at that commit). Rolls back when `body` throws.
    func timedTransaction<T: Sendable>(_ body: () async throws -> T) async throws
        -> (value: T, committedAt: ContinuousClock.Instant)
    {
        try await connection.execute("BEGIN")
        do {
            let value = try await body()
            let committedAt = ContinuousClock.now
            try await connection.execute("COMMIT")
            return (value, committedAt)
        } catch {
            _ = try? await connection.execute("ROLLBACK")
            throw error
        }
    }
}
