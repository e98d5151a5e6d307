import CEL
import PQ

/// Ends the transaction without committing (no change, or a dry run) and carries the result.
private struct Finished: Error {
    let result: PushResult
}

extension Store {
    /// Runs an operation that creates a release: one transaction that locks the channel
    /// row (serialising concurrent pushes), plans against the locked head, checks, writes
    /// revisions, the release and its changes, moves the head and sends the one NOTIFY.
    func commit(_ operation: ReleaseOperation, _ options: ReleaseOptions) async throws -> PushResult {
        guard ChannelName.isValid(options.channel) else {
            throw StoreError.invalidChannelName(options.channel)
        }
        return try await run(needs: options.dryRun ? .reader : .pusher) {
            do {
                return try await connection.transaction { @Sendable conn in
                    try await Self.commit(conn, operation, options)
                }
            } catch let finished as Finished {
                return finished.result
            }
        }
    }

    private static func commit(_ conn: isolated Connection, _ operation: ReleaseOperation,
                               _ options: ReleaseOptions) async throws -> PushResult {
        let channel = options.channel
        if !options.dryRun, case .push = operation {
            try await conn.execute(
                "INSERT INTO hotload.channels (name) VALUES ($1) ON CONFLICT DO NOTHING", [.text(channel)])
        }
        let rows = try await conn.query(
            options.dryRun
                ? "SELECT head FROM hotload.channels WHERE name = $1"
                : "SELECT head FROM hotload.channels WHERE name = $1 FOR UPDATE",
            [.text(channel)])
        let head: Int64? = try rows.first.flatMap { try $0.decode("head", as: Int64?.self) }
        if rows.isEmpty || head == nil, !isPush(operation) {
            throw StoreError.emptyChannel(channel)
        }
        if let expected = options.expectedHead, expected != (head ?? 0) {
            throw StoreError.headMoved(channel: channel, expected: expected, actual: head)
        }
        var current: [String: ManifestEntry] = [:]
        if let head { current = try await Queries.state(conn, channel: channel, release: head) }
        let planned = try await plan(conn, operation, current: current, channel: channel)
            .sorted { $0.module < $1.module }

        var result = PushResult(channel: channel, release: nil, previousHead: head, changes: [],
                                checked: [], dryRun: options.dryRun, skippedCheck: options.skipCheck)
        if planned.isEmpty { throw Finished(result: result) }

        result.checked = try await verify(conn, operation, planned, current: current, options: options)
        let versions = try await allocateVersions(conn, planned, options: options)
        result.changes = planned.map { change in
            switch change.target {
            case .source: ReleaseChange(module: change.module, version: versions[change.module], action: change.action)
            case .version(let v): ReleaseChange(module: change.module, version: v, action: change.action)
            case .delete: ReleaseChange(module: change.module, version: nil, action: .delete)
            }
        }
        if options.dryRun { throw Finished(result: result) }

        let inserted = try await conn.query("""
            INSERT INTO hotload.releases (channel, parent, author, message, skipped_check)
            VALUES ($1, $2, $3, $4, $5) RETURNING id
            """, [.text(channel), head.map { .int($0) } ?? .null, .text(options.author),
                  .text(options.message), .bool(options.skipCheck)])
        guard let release = try inserted.first?.decode("id", as: Int64.self) else {
            throw StoreError.invalidRequest("the database returned no release id")
        }
        try await conn.execute("""
            INSERT INTO hotload.release_changes (release, channel, module, version, action)
            SELECT $1, $2, k.module, NULLIF(k.version, 0)::integer, k.action
            FROM unnest($3::text[], $4::bigint[], $5::text[]) AS k(module, version, action)
            """, [.int(release), .text(channel), .textArray(result.changes.map(\.module)),
                  .int64Array(result.changes.map { Int64($0.version ?? 0) }),
                  .textArray(result.changes.map(\.action.rawValue))])
        try await conn.execute(
            "UPDATE hotload.channels SET head = $1 WHERE name = $2", [.int(release), .text(channel)])
        // The one wake-up hint of this release; delivered by PostgreSQL at commit.
        try await conn.execute(
            "SELECT pg_notify('hotload_release', $1)",
            [.text(#"{"channel":"\#(channel)","release":\#(release)}"#)])
        result.release = release
        return result
    }

    private static func isPush(_ operation: ReleaseOperation) -> Bool {
        if case .push = operation { return true }
        return false
    }

    /// Turns the operation into changes against the channel's current state.
    private static func plan(_ conn: isolated Connection, _ operation: ReleaseOperation,
                             current: [String: ManifestEntry], channel: String) async throws -> [PlannedChange] {
        switch operation {
        case .push(let modules, let prune):
            var changes: [PlannedChange] = []
            for file in modules {
                if let existing = current[file.name] {
                    if existing.sha256 != file.sha256 {
                        changes.append(PlannedChange(module: file.name, target: .source(file), action: .modify))
                    }
                } else {
                    changes.append(PlannedChange(module: file.name, target: .source(file), action: .add))
                }
            }
            if prune {
                let local = Set(modules.map(\.name))
                for name in current.keys where !local.contains(name) {
                    changes.append(PlannedChange(module: name, target: .delete, action: .delete))
                }
            }
            return changes

        case .remove(let names):
            var changes: [PlannedChange] = []
            for name in Set(names) {
                guard current[name] != nil else {
                    throw StoreError.unknownModule(name, channel: channel, release: nil)
                }
                changes.append(PlannedChange(module: name, target: .delete, action: .delete))
            }
            return changes

        case .rollbackModule(let module, let version):
            let latest = try await Queries.latestVersion(conn, module: module)
            guard let latest, version >= 1, version <= latest else {
                throw StoreError.unknownVersion(module: module, version: version, latest: latest)
            }
            if current[module]?.version == version { return [] }
            return [PlannedChange(module: module, target: .version(version), action: .rollback)]

        case .rollbackRelease(let release):
            let owner = try await Queries.channel(conn, of: release)
            guard owner == channel else {
                throw StoreError.releaseOnOtherChannel(release: release, channel: owner, expected: channel)
            }
            let target = try await Queries.state(conn, channel: channel, release: release)
            var changes: [PlannedChange] = []
            for (name, entry) in target where current[name]?.version != entry.version {
                changes.append(PlannedChange(module: name, target: .version(entry.version), action: .rollback))
            }
            for name in current.keys where target[name] == nil {
                changes.append(PlannedChange(module: name, target: .delete, action: .delete))
            }
            return changes
        }
    }

    /// Refuses deletions of modules that remaining modules import, then compiles every
    /// changed module and every module importing one (directly or not) against the
    /// would-be state. Returns the modules checked.
    private static func verify(_ conn: isolated Connection, _ operation: ReleaseOperation,
                               _ planned: [PlannedChange], current: [String: ManifestEntry],
                               options: ReleaseOptions) async throws -> [String] {
        let deleted = Set(planned.compactMap { if case .delete = $0.target { $0.module } else { nil } })
        guard !deleted.isEmpty || !options.skipCheck else { return [] }

        // The would-be module set with the text of every module in it.
        var sources: [String: ModuleFile] = [:]
        var local: [String: ModuleFile] = [:]
        if case .push(let modules, _) = operation {
            for file in modules { local[file.name] = file }
        }
        var toFetch: [ModuleVersion] = []
        var targets: [String: PlannedChange.Target] = [:]
        for change in planned { targets[change.module] = change.target }
        for (name, entry) in current where targets[name] == nil {
            if let file = local[name], file.sha256 == entry.sha256 {
                sources[name] = file
            } else {
                toFetch.append(ModuleVersion(module: name, version: entry.version))
            }
        }
        for change in planned {
            switch change.target {
            case .source(let file): sources[change.module] = file
            case .version(let v): toFetch.append(ModuleVersion(module: change.module, version: v))
            case .delete: break
            }
        }
        for revision in try await Queries.revisions(conn, toFetch) {
            sources[revision.module] = ModuleFile(name: revision.module, path: revision.module + ".hl",
                                                  text: revision.source)
        }

        var importers: [String: [String]] = [:]
        for (name, file) in sources {
            for imported in ModuleNaming.imports(of: file) { importers[imported, default: []].append(name) }
        }
        for name in deleted.sorted() {
            if let users = importers[name], !users.isEmpty {
                throw StoreError.stillImported(module: name, importers: users.sorted())
            }
        }
        guard !options.skipCheck else { return [] }

        // Changed modules and everything that imports them, transitively.
        var affected = Set(planned.map(\.module)).subtracting(deleted)
        var queue = Array(Set(planned.map(\.module)))
        while let name = queue.popLast() {
            for user in importers[name] ?? [] where !affected.contains(user) {
                affected.insert(user)
                queue.append(user)
            }
        }
        let all = sources.values.sorted { $0.name < $1.name }
        let diagnostics = options.checker(all)
        let affectedPaths = Set(affected.compactMap { sources[$0]?.path })
        let knownPaths = Set(all.map(\.path))
        let relevant = diagnostics.filter { affectedPaths.contains($0.file) || !knownPaths.contains($0.file) }
        if !relevant.isEmpty { throw StoreError.checkFailed(relevant) }
        return affected.sorted()
    }

    /// The version each `.source` change will have: an existing revision with the same
    /// content is reused; otherwise a new version is allocated (row-locked per module) and
    /// the revision inserted. On a dry run, only predicts.
    private static func allocateVersions(_ conn: isolated Connection, _ planned: [PlannedChange],
                                         options: ReleaseOptions) async throws -> [String: Int] {
        var files: [ModuleFile] = []
        for change in planned {
            if case .source(let file) = change.target { files.append(file) }
        }
        guard !files.isEmpty else { return [:] }
        var versions: [String: Int] = [:]
        let reused = try await conn.query("""
            SELECT DISTINCT ON (r.module) r.module, r.version::bigint AS version
            FROM unnest($1::text[], $2::text[]) AS k(module, sha256)
            JOIN hotload.revisions r ON r.module = k.module AND r.sha256 = k.sha256
            ORDER BY r.module, r.version DESC
            """, [.textArray(files.map(\.name)), .textArray(files.map(\.sha256))])
        for row in reused {
            versions[try row.decode("module", as: String.self)] = try row.decode("version", as: Int.self)
        }
        let fresh = files.filter { versions[$0.name] == nil }.sorted { $0.name < $1.name }
        guard !fresh.isEmpty else { return versions }
        let names = PQValue.textArray(fresh.map(\.name))

        if options.dryRun {
            let rows = try await conn.query(
                "SELECT name, latest_version::bigint AS v FROM hotload.modules WHERE name = ANY($1::text[])", [names])
            var latest: [String: Int] = [:]
            for row in rows { latest[try row.decode("name", as: String.self)] = try row.decode("v", as: Int.self) }
            for file in fresh { versions[file.name] = (latest[file.name] ?? 0) + 1 }
            return versions
        }

        try await conn.execute(
            "INSERT INTO hotload.modules (name) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING", [names])
        // Lock in name order so pushes to different channels cannot deadlock.
        try await conn.execute(
            "SELECT name FROM hotload.modules WHERE name = ANY($1::text[]) ORDER BY name FOR UPDATE", [names])
        let bumped = try await conn.query("""
            UPDATE hotload.modules SET latest_version = latest_version + 1
            WHERE name = ANY($1::text[]) RETURNING name, latest_version::bigint AS v
            """, [names])
        for row in bumped { versions[try row.decode("name", as: String.self)] = try row.decode("v", as: Int.self) }
        try await conn.execute("""
            INSERT INTO hotload.revisions (module, version, source, sha256, author, message)
            SELECT k.module, k.version, k.source, k.sha256, $5, $6
            FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[]) AS k(module, version, source, sha256)
            """, [names, .int64Array(fresh.map { Int64(versions[$0.name] ?? 0) }),
                  .textArray(fresh.map(\.text)), .textArray(fresh.map(\.sha256)),
                  .text(options.author), .text(options.message)])
        return versions
    }
}
