import CEL
import HotloadModules
import PQ

/// Ends the transaction without committing (no change, or a dry run) and carries the result.
private struct Finished: Error {
    let result: PushResult
}

extension Store {
    /// Runs an operation that creates a release: one transaction that locks the channel
    /// row (`hotload.lock_channel`, serialising concurrent pushes), plans against the
    /// locked head and checks in Swift, then hands the changes to `hotload.publish`, which
    /// allocates versions, writes the release and its changes, moves the head and sends
    /// the one NOTIFY. With signing keys, `publish` sends no NOTIFY; the release's
    /// manifest is read back in the same transaction, signed with every key and stored by
    /// `hotload.release_sign`, which sends it. A dry run only reads. The check and the
    /// publishing are child spans of `trace`.
    func commit(_ operation: ReleaseOperation, _ options: ReleaseOptions, _ trace: PushTrace) async throws -> PushResult {
        guard ChannelName.isValid(options.channel) else {
            throw StoreError.invalidChannelName(options.channel)
        }
        // hotload.publish refuses these too; this says which field to fix.
        if options.author.unicodeScalars.contains(where: TerminalText.isControl) {
            throw StoreError.invalidAuthor()
        }
        if options.message.unicodeScalars.contains(where: { TerminalText.isControl($0) && $0 != "\n" && $0 != "\t" }) {
            throw StoreError.invalidMessage()
        }
        let context = RolloutRefusal.Context(channel: options.channel, action: "take a release")
        return try await runRollout(needs: options.dryRun ? .reader : .pusher, context) {
            do {
                return try await connection.transaction { @Sendable conn in
                    try await Self.commit(conn, operation, options, trace)
                }
            } catch let finished as Finished {
                return finished.result
            }
        }
    }

    private static func commit(_ conn: isolated Connection, _ operation: ReleaseOperation,
                               _ options: ReleaseOptions, _ trace: PushTrace) async throws -> PushResult {
        let channel = options.channel
        let head: Int64?
        if options.dryRun {
            let rows = try await conn.query("SELECT head FROM hotload.channels WHERE name = $1", [.text(channel)])
            head = try rows.first.flatMap { try $0.decode("head", as: Int64?.self) }
        } else {
            let rows = try await conn.query(
                "SELECT hotload.lock_channel($1, $2) AS head", [.text(channel), .bool(isPush(operation))])
            head = try rows.first.flatMap { try $0.decode("head", as: Int64?.self) }
        }
        if head == nil, !isPush(operation) {
            throw StoreError.emptyChannel(channel)
        }
        if let expected = options.expectedHead, expected != (head ?? 0) {
            throw StoreError.headMoved(channel: channel, expected: expected, actual: head)
        }
        var current: [String: ManifestEntry] = [:]
        if let head { current = try await Queries.state(conn, channel: channel, release: head) }
        let planned = try await plan(conn, operation, current: current, channel: channel)
            .sorted { $0.module < $1.module }
        trace.planned(planned.map(\.module))

        var result = PushResult(channel: channel, release: nil, previousHead: head, changes: [],
                                checked: [], dryRun: options.dryRun, skippedCheck: options.skipCheck, signers: [])
        if planned.isEmpty { throw Finished(result: result) }

        result.checked = try await trace.step(PushTraceNames.check) {
            try await verify(conn, operation, planned, current: current, options: options)
        }
        if options.dryRun {
            let versions = try await predictVersions(conn, planned)
            result.changes = planned.map { change in
                switch change.target {
                case .source: ReleaseChange(module: change.module, version: versions[change.module], action: change.action)
                case .version(let v): ReleaseChange(module: change.module, version: v, action: change.action)
                case .delete: ReleaseChange(module: change.module, version: nil, action: .delete)
                }
            }
            throw Finished(result: result)
        }

        return try await trace.step(PushTraceNames.commit) {
            try await publish(conn, planned, head: head, options: options, result)
        }
    }

    /// Publishes the planned changes as a release (`hotload.publish`), reads back its
    /// changes and rollout, and signs it.
    private static func publish(_ conn: isolated Connection, _ planned: [PlannedChange], head: Int64?,
                                options: ReleaseOptions, _ result: PushResult) async throws -> PushResult {
        var result = result
        let channel = options.channel
        // PQ sends arrays without NULL elements; the action says which of version and
        // source a change has, so the placeholders (0, "") become NULLs here.
        let published = try await conn.query("""
            SELECT hotload.publish($1, $2, $3, $4, $5, k.modules, k.actions, k.versions, k.sources, $10, $11) AS release
            FROM (SELECT array_agg(c.module ORDER BY c.i) AS modules, array_agg(c.action ORDER BY c.i) AS actions,
                         array_agg(CASE WHEN c.action = 'rollback' THEN c.version::integer END ORDER BY c.i) AS versions,
                         array_agg(CASE WHEN c.action IN ('add', 'modify') THEN c.source END ORDER BY c.i) AS sources
                  FROM unnest($6::text[], $7::text[], $8::bigint[], $9::text[]) WITH ORDINALITY
                       AS c(module, action, version, source, i)) k
            """, [.text(channel), head.map { .int($0) } ?? .null, .text(options.author), .text(options.message),
                  .bool(options.skipCheck), .textArray(planned.map(\.module)),
                  .textArray(planned.map(\.action.rawValue)),
                  .int64Array(planned.map { if case .version(let v) = $0.target { Int64(v) } else { 0 } }),
                  .textArray(planned.map { if case .source(let file) = $0.target { file.text } else { "" } }),
                  .bool(options.supersede), .bool(options.signingKeys.isEmpty)])
        guard let release = try published.first?.decode("release", as: Int64?.self) else {
            throw StoreError.invalidRequest("the database returned no release id")
        }
        let changes = try await conn.query("""
            SELECT module, version::bigint AS version, action FROM hotload.release_changes
            WHERE release = $1 ORDER BY module COLLATE "C"
            """, [.int(release)])
        result.changes = try changes.map(Queries.releaseChange)
        result.release = release
        let rollout = try await conn.query("SELECT id, phase FROM hotload.rollouts WHERE candidate = $1", [.int(release)])
        if let row = rollout.first, let phase = RolloutPhase(rawValue: try row.decode("phase", as: String.self)) {
            result.rollout = (try row.decode("id", as: Int64.self), phase)
        }
        if !options.signingKeys.isEmpty {
            result.signers = try await sign(conn, release: release, keys: options.signingKeys,
                                            changedSources: try await changedSources(conn, planned))
        }
        return result
    }

    /// The text of what the planned changes put in place: the pushed files, and the
    /// revisions that rollbacks restore (deletions have none).
    private static func changedSources(_ conn: isolated Connection, _ planned: [PlannedChange]) async throws -> [String: String] {
        var sources: [String: String] = [:]
        var rolledBack: [ModuleVersion] = []
        for change in planned {
            switch change.target {
            case .source(let file): sources[change.module] = file.text
            case .version(let version): rolledBack.append(ModuleVersion(module: change.module, version: version))
            case .delete: break
            }
        }
        for revision in try await Queries.revisions(conn, rolledBack) { sources[revision.module] = revision.source }
        return sources
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

    /// Refuses deletions of modules that remaining modules import, then runs the module
    /// layer's `ReleaseCheck` on the would-be state (every changed module and every module
    /// importing one, directly or not). Returns the modules checked.
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

        let all = sources.values.sorted { $0.name < $1.name }.map(\.source)
        let graph = ImportGraph(all)
        for name in deleted.sorted() {
            let users = graph.importers(of: name)
            if !users.isEmpty { throw StoreError.stillImported(module: name, importers: users) }
        }
        guard !options.skipCheck else { return [] }

        let changed = Set(planned.map(\.module)).subtracting(deleted)
        let outcome = ReleaseCheck(host: options.host).run(all, changed: changed, deleted: deleted)
        if !outcome.diagnostics.isEmpty { throw StoreError.checkFailed(outcome.diagnostics) }
        return outcome.checked
    }

    /// The version each `.source` change of a dry run would get: an existing revision with
    /// the same content is reused (as `hotload.publish` does), otherwise the next version.
    private static func predictVersions(_ conn: isolated Connection,
                                        _ planned: [PlannedChange]) async throws -> [String: Int] {
        var files: [ModuleFile] = []
        for change in planned {
            if case .source(let file) = change.target { files.append(file) }
        }
        guard !files.isEmpty else { return [:] }
        let rows = try await conn.query("""
            SELECT k.module,
                   coalesce((SELECT max(r.version) FROM hotload.revisions r
                             WHERE r.module = k.module AND r.sha256 = k.sha256),
                            (SELECT m.latest_version FROM hotload.modules m WHERE m.name = k.module) + 1,
                            1)::bigint AS version
            FROM unnest($1::text[], $2::text[]) AS k(module, sha256)
            """, [.textArray(files.map(\.name)), .textArray(files.map(\.sha256))])
        var versions: [String: Int] = [:]
        for row in rows {
            versions[try row.decode("module", as: String.self)] = try row.decode("version", as: Int.self)
        }
        return versions
    }
}
