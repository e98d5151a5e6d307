import PQ

extension Store {
    /// Diffs two versions of a module. With neither version given, the module's last change
    /// on the channel; with only `from`, `from` against the head's version.
    public func diff(module: String, from: Int? = nil, to: Int? = nil, channel: String = "main",
                     context: Int = 3) async throws -> FileDiff {
        try await run(needs: .reader) {
            var old = from, new = to
            if new == nil {
                guard let head = try await Queries.head(connection, channel: channel) else {
                    throw StoreError.emptyChannel(channel)
                }
                let rows = try await connection.query("""
                    SELECT version::bigint AS version FROM hotload.release_changes
                    WHERE channel = $1 AND module = $2 AND release <= $3
                    ORDER BY release DESC LIMIT 2
                    """, [.text(channel), .text(module), .int(head)])
                let versions = try rows.map { try $0.decode("version", as: Int?.self) }
                guard let latest = versions.first else {
                    throw StoreError.unknownModule(module, channel: channel, release: nil)
                }
                new = latest
                if from == nil { old = versions.count > 1 ? versions[1] : nil }
            }
            var keys: [ModuleVersion] = []
            for v in [old, new].compactMap({ $0 }) { keys.append(ModuleVersion(module: module, version: v)) }
            let revisions = try await Queries.revisions(connection, keys)
            func text(_ v: Int?) async throws -> String? {
                guard let v else { return nil }
                guard let revision = revisions.first(where: { $0.version == v }) else {
                    throw StoreError.unknownVersion(module: module, version: v,
                                                    latest: try await Queries.latestVersion(connection, module: module))
                }
                return revision.source
            }
            let oldText = try await text(old), newText = try await text(new)
            return FileDiff(module: module,
                            oldLabel: oldText == nil ? "/dev/null" : "a/\(module).hl (v\(old ?? 0))",
                            newLabel: newText == nil ? "/dev/null" : "b/\(module).hl (v\(new ?? 0))",
                            old: oldText ?? "", new: newText ?? "", context: context)
        }
    }

    /// Diffs the complete module sets of two releases: one `FileDiff` per module that
    /// differs (added, deleted or changed), sorted by module.
    public func diff(release a: Int64, _ b: Int64, context: Int = 3) async throws -> [FileDiff] {
        try await run(needs: .reader) {
            let stateA = try await Queries.state(connection, channel: try await Queries.channel(connection, of: a),
                                                 release: a)
            let stateB = try await Queries.state(connection, channel: try await Queries.channel(connection, of: b),
                                                 release: b)
            let modules = Set(stateA.keys).union(stateB.keys).sorted()
                .filter { stateA[$0]?.version != stateB[$0]?.version }
            var keys: [ModuleVersion] = []
            for name in modules {
                if let e = stateA[name] { keys.append(ModuleVersion(module: name, version: e.version)) }
                if let e = stateB[name] { keys.append(ModuleVersion(module: name, version: e.version)) }
            }
            var texts: [ModuleVersion: String] = [:]
            for revision in try await Queries.revisions(connection, keys) { texts[revision.key] = revision.source }
            return modules.map { name in
                let oldKey = stateA[name].map { ModuleVersion(module: name, version: $0.version) }
                let newKey = stateB[name].map { ModuleVersion(module: name, version: $0.version) }
                return FileDiff(
                    module: name,
                    oldLabel: oldKey.map { "a/\(name).hl (v\($0.version), release \(a))" } ?? "/dev/null",
                    newLabel: newKey.map { "b/\(name).hl (v\($0.version), release \(b))" } ?? "/dev/null",
                    old: oldKey.flatMap { texts[$0] } ?? "", new: newKey.flatMap { texts[$0] } ?? "",
                    context: context)
            }
        }
    }
}
