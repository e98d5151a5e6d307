import PQ

extension Store {
    /// The revision of `module`: a given version, the version as of a release, or the
    /// version at the head of the channel. Its `source` is the exact text pushed.
    public func show(module: String, version: Int? = nil, release: Int64? = nil,
                     channel: String = "main") async throws -> Revision {
        try await run(needs: .reader) {
            let resolved: Int
            if let version {
                resolved = version
            } else {
                let (releaseChannel, at) = try await resolveRelease(release, channel: channel)
                guard let v = try await Queries.version(connection, module: module, channel: releaseChannel,
                                                         release: at) else {
                    throw StoreError.unknownModule(module, channel: releaseChannel, release: release)
                }
                resolved = v
            }
            guard let revision = try await Queries.revisions(
                connection, [ModuleVersion(module: module, version: resolved)]).first else {
                throw StoreError.unknownVersion(
                    module: module, version: resolved,
                    latest: try await Queries.latestVersion(connection, module: module))
            }
            return revision
        }
    }

    /// A release and its channel: the given release, else the head of `channel`.
    func resolveRelease(_ release: Int64?, channel: String) async throws -> (channel: String, release: Int64) {
        if let release {
            return (try await Queries.channel(connection, of: release), release)
        }
        guard let head = try await Queries.head(connection, channel: channel) else {
            throw StoreError.emptyChannel(channel)
        }
        return (channel, head)
    }
}
