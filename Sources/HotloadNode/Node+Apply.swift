import Foundation
import Logging
import HotloadModules
import HotloadStore

extension Node {
    /// What one sync did, for the driver.
    struct SyncOutcome: Sendable {
        /// A release was applied or refused, or what the running release is to the channel
        /// changed: the status row should be written.
        var changed = false
        /// The node's pin expires after this long: read again then.
        var pinExpiresIn: Duration?
    }

    /// Re-reads which release this node should run (its pin, the rollout's candidate or
    /// the stable release: `NodeSession.readTarget`) and applies it if it is not the one
    /// it runs: fetches only the revisions the node does not have, relinks the changed
    /// modules and their dependents, and swaps the whole release in one step. A release
    /// that does not compile is refused and the current one kept. Database errors are
    /// reported and retried by the next sync.
    func sync() async -> SyncOutcome {
        let started = ContinuousClock.now
        let loaded = current
        let refused = state.withLock { $0.errorRelease }
        // A release served from the cache is not "known": the database must confirm it.
        let known = [loaded.flatMap { $0.stale ? nil : $0.release }, refused].compactMap { $0 }
        // Nor do its sources: the first read after a cached start fetches every source.
        let have = loaded.flatMap { $0.stale ? nil : Array($0.entries.values) } ?? []
        let read: TargetRead
        do {
            read = try await queries.run { [channel = configuration.channel, name = configuration.name] session in
                try await session.readTarget(channel: channel, node: name, known: known, have: have)
            }
        } catch {
            state.withLock { $0.databaseReachable = false }
            logger.warning("reading the target release failed", metadata: ["error": "\(error)"])
            broadcaster.yield(.databaseError("\(error)"))
            return SyncOutcome()
        }
        let running = loaded.flatMap { $0.stale ? nil : $0.release }
        let roleChanged = state.withLock { state in
            state.databaseReachable = true
            let before = state.target?.role(of: running)
            state.target = read
            return read.role(of: running) != before
        }
        var outcome = SyncOutcome(changed: roleChanged, pinExpiresIn: read.pinExpiresIn)
        guard let target = read.release, let manifest = read.manifest,
              ApplyPlanner.decide(head: target, applied: running, refused: refused) != .nothing
        else { return outcome }
        outcome.changed = true
        guard let job = prepare(release: target, manifest: manifest, sources: read.sources, over: loaded,
                                started: started)
        else { return outcome }
        // Compiling can take up to half a poll interval: too long to hold one of the few
        // threads of the concurrency pool that the host's tasks share.
        let result = await ReleaseCompiler.onOwnThread { [compiler] in job.compile(with: compiler) }
        finish(job, result)
        return outcome
    }

    /// What applying one release needs once its sources are fetched.
    struct ApplyJob: Sendable {
        var release: Int64
        var loaded: LoadedRelease?
        var plan: ReleasePlan
        var entries: [String: ManifestEntry]
        /// Every module of the release.
        var sources: [String: ModuleSource]
        /// The modules whose text changed.
        var changed: [ModuleSource]
        var started: ContinuousClock.Instant
        var stale: Bool
        /// A release that takes longer than this to link is refused, so that the next
        /// release (pushed to fix it) is applied within one poll interval. A backstop for
        /// releases that are merely huge: what lets and folding spend is bounded by
        /// `Limits.maxLinkCost`, the same on every node. Half the poll interval, not more:
        /// the fix is linked after this one gives up, and must be applied within the interval.
        var timeLimit: Duration

        /// Nothing to compile: the same modules under a new release number.
        var isUnchanged: Bool { loaded != nil && plan.isContentUnchanged }

        func compile(with compiler: ReleaseCompiler) -> Result<Snapshot, CompileFailure> {
            if let loaded, isUnchanged { return .success(loaded.snapshot) }
            if let loaded {
                return compiler.relink(loaded.snapshot, changed: changed, removed: plan.removed, timeLimit: timeLimit)
            }
            return compiler.link(sources.values.sorted { $0.name < $1.name }, timeLimit: timeLimit)
        }
    }

    /// The plan and sources for applying `release` over `loaded`, or nil after refusing
    /// it (a source the database did not return).
    func prepare(release: Int64, manifest: [ManifestEntry], sources fetched: [String: String],
                 over loaded: LoadedRelease?, started: ContinuousClock.Instant, stale: Bool = false) -> ApplyJob? {
        let plan = ApplyPlanner.plan(current: loaded?.entries ?? [:], target: manifest)
        var sources = loaded?.sources ?? [:]
        for name in plan.removed { sources.removeValue(forKey: name) }
        var changed: [ModuleSource] = []
        for entry in plan.changed {
            guard let text = fetched[entry.module] else {
                // The read and the manifest come from one statement: this cannot happen
                // unless the database misbehaves; refuse rather than serve half a release.
                refuse(release: release, kept: loaded?.release,
                       errors: [NodeError(module: ReleaseCompiler.path(of: entry.module),
                                          message: "the source of version \(entry.version) was not returned by the database")])
                return nil
            }
            let source = ReleaseCompiler.source(module: entry.module, text: text)
            sources[entry.module] = source
            changed.append(source)
        }
        let entries = Dictionary(manifest.map { ($0.module, $0) }, uniquingKeysWith: { first, _ in first })
        return ApplyJob(release: release, loaded: loaded, plan: plan, entries: entries, sources: sources,
                        changed: changed, started: started, stale: stale, timeLimit: configuration.pollInterval / 2)
    }

    /// Swaps in the compiled release, or refuses it.
    func finish(_ job: ApplyJob, _ result: Result<Snapshot, CompileFailure>) {
        let (release, loaded, plan) = (job.release, job.loaded, job.plan)
        switch result {
        case .failure(let failure):
            refuse(release: release, kept: loaded?.release, errors: failure.errors)
        case .success(let snapshot):
            let recompiled = job.isUnchanged ? 0 : snapshot.recompiled.count
            let next = LoadedRelease(release: release, channel: configuration.channel, entries: job.entries,
                                     sources: job.sources, snapshot: snapshot, stale: job.stale)
            holder.store(next)
            callMetrics.track(next)
            let swappedAt = ContinuousClock.now
            let duration = swappedAt - job.started
            state.withLock { state in
                state.applies += 1
                state.errorRelease = nil
                state.lastError = nil
            }
            logger.info("applied release \(release)", metadata: [
                "changed": "\(plan.changed.count)", "removed": "\(plan.removed.count)",
                "recompiled": "\(recompiled)", "stale": "\(job.stale)",
            ])
            broadcaster.yield(.applied(ApplyEvent.Applied(
                release: release, previous: loaded?.release, changed: plan.changed.map(\.module),
                removed: plan.removed, recompiled: recompiled, duration: duration, stale: job.stale, at: swappedAt)))
            if !job.stale { saveToCache(next) }
        }
    }

    private func refuse(release: Int64, kept: Int64?, errors: [NodeError]) {
        state.withLock { state in
            state.failures += 1
            state.errorRelease = release
            state.lastError = errors.first
        }
        logger.error("release \(release) refused: keeping \(kept.map(String.init) ?? "nothing")",
                     metadata: ["errors": "\(errors.map(\.description).joined(separator: "; "))"])
        broadcaster.yield(.refused(ApplyEvent.Refused(release: release, kept: kept, errors: errors)))
    }

    private func saveToCache(_ release: LoadedRelease) {
        guard let directory = configuration.cacheDirectory else { return }
        do {
            try ReleaseCache(directory: directory).save(release)
        } catch {
            logger.warning("could not write the release cache", metadata: ["error": "\(error)"])
        }
    }

    /// Serves the cached release (marked stale); false when there is none usable.
    func loadFromCache() -> Bool {
        guard let directory = configuration.cacheDirectory else { return false }
        let contents: ReleaseCache.Contents
        do {
            guard let cached = try ReleaseCache(directory: directory).load(channel: configuration.channel) else {
                return false
            }
            contents = cached
        } catch {
            logger.warning("the release cache is unreadable", metadata: ["error": "\(error)"])
            return false
        }
        let manifest = contents.modules.map { ManifestEntry(module: $0.module, version: $0.version, sha256: $0.sha256) }
        let sources = Dictionary(contents.modules.map { ($0.module, $0.source) }, uniquingKeysWith: { first, _ in first })
        // At start, before the node serves anything: compiled on the caller's thread.
        if let job = prepare(release: contents.release, manifest: manifest, sources: sources, over: nil,
                             started: ContinuousClock.now, stale: true) {
            finish(job, job.compile(with: compiler))
        }
        return current != nil
    }
}
