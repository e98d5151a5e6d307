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
    /// that does not compile is refused and the current one kept, and so is one whose
    /// signatures or sources do not verify under the trust policy (`verify`). Database
    /// errors are reported and retried by the next sync.
    ///
    /// The read runs outside the apply gate; the decision and the swap inside it, against
    /// the release the read was planned for: when another apply (a signed notification)
    /// swapped the release meanwhile, the read is dropped and another sync requested, so an
    /// older read finishing late never moves the node back.
    func sync(_ trace: SyncTrace) async -> SyncOutcome {
        let started = ContinuousClock.now
        defer { metrics.synced(since: started) }
        let loaded = current
        let refused = state.withLock { $0.errorRelease }
        // A release served from the cache is not "known": the database must confirm it.
        let known = [loaded.flatMap { $0.stale ? nil : $0.release }, refused].compactMap { $0 }
        // Nor do its sources: the first read after a cached start fetches every source.
        let have = loaded.flatMap { $0.stale ? nil : Array($0.entries.values) } ?? []
        let read: TargetRead
        do {
            read = try await trace.step(NodeTraceNames.fetch) {
                try await queries.run { [channel = configuration.channel, name = configuration.name] session in
                    try await session.readTarget(channel: channel, node: name, known: known, have: have)
                }
            }
        } catch {
            trace.ended(.databaseError)
            state.withLock { $0.databaseReachable = false }
            logger.warning("reading the target release failed", metadata: ["error": "\(error)"])
            broadcaster.yield(.databaseError("\(error)"))
            return SyncOutcome()
        }
        state.withLock { $0.databaseReachable = true }
        trace.target(read.release)
        return await applyGate.run { await self.apply(read, readOver: loaded, started: started, trace) }
    }

    /// The part of a sync that holds the apply gate.
    private func apply(_ read: TargetRead, readOver loaded: LoadedRelease?,
                       started: ContinuousClock.Instant, _ trace: SyncTrace) async -> SyncOutcome {
        guard current === loaded else {
            trace.ended(.superseded)
            requestSync()
            return SyncOutcome()
        }
        let refused = state.withLock { $0.errorRelease }
        let running = loaded.flatMap { $0.stale ? nil : $0.release }
        let roleChanged = state.withLock { state in
            let before = state.target?.role(of: running)
            state.target = read
            return read.role(of: running) != before
        }
        var outcome = SyncOutcome(changed: roleChanged, pinExpiresIn: read.pinExpiresIn)
        guard let target = read.release, let manifest = read.manifest,
              ApplyPlanner.decide(head: target, applied: running, refused: refused) != .nothing
        else {
            trace.ended(.unchanged)
            return outcome
        }
        outcome.changed = true
        if trust.path != nil { reloadTrustFile(force: false) }
        guard let job = prepare(release: target, manifest: manifest, sources: read.sources, over: loaded,
                                started: started, provenance: read.provenance)
        else {
            trace.ended(.refused)
            return outcome
        }
        if let refusal = verify(job, modules: manifest) {
            trace.refused([refusal])
            refuse(release: target, kept: loaded?.release, errors: [refusal], forTrust: true)
            return outcome
        }
        // Compiling can take up to half a poll interval: too long to hold one of the few
        // threads of the concurrency pool that the host's tasks share.
        let result = await trace.step(NodeTraceNames.compile) {
            await ReleaseCompiler.onOwnThread { [compiler] in job.compile(with: compiler) }
        }
        trace.compiled(job, result)
        finish(job, result)
        return outcome
    }

    /// Asks the driver for a sync (rate-limited and coalesced like a notification).
    func requestSync() {
        _ = driverInput.withLock { $0?.yield(.machine(.notification)) }
    }

    /// Why `job` may not run under the trust policy, nil when it may (or when releases need
    /// no signature). The manifest is built from what was read — channel, release, parent,
    /// `modules` (as returned: a duplicated module is refused, not merged), author and
    /// message — and must carry enough valid signatures (`TrustPolicy.verify`); then the
    /// modules the node will run must be exactly the manifest's, and every source it will
    /// compile or keep must hash to the manifest's SHA-256 (a kept source was hashed when the
    /// release that brought it was verified; its entry must carry the signed hash). The message names the reason
    /// and ends with the code (a `SigningError` code, `source_hash_mismatch` or
    /// `module_set_mismatch`), which `NodeError.code` carries too.
    func verify(_ job: ApplyJob, modules: [ManifestEntry]) -> NodeError? {
        guard trust.required else { return nil }
        let release = job.release
        func refusal(_ code: String, _ reason: String, module: String? = nil) -> NodeError {
            NodeError(module: module.map(ReleaseCompiler.path(of:)), code: code,
                      message: "release \(release) is refused by the trust policy: \(reason) (\(code))")
        }
        guard let policy = trust.policy else {
            return refusal("invalid_trust_file", "the trust file is not loaded")
        }
        guard let provenance = job.provenance else {
            return refusal(SigningError.Code.tooFewSignatures.rawValue, "it carries no manifest or signatures")
        }
        let manifest: ReleaseManifest
        do {
            manifest = try provenance.manifest(channel: configuration.channel, release: release, modules: modules)
        } catch let error as SigningError {
            return refusal(error.code.rawValue, error.message)
        } catch {
            return refusal(SigningError.Code.invalidManifest.rawValue, "\(error)")
        }
        if provenance.signatures.isEmpty {
            return refusal(SigningError.Code.tooFewSignatures.rawValue,
                           "it is unsigned; \(policy.threshold) signature\(policy.threshold == 1 ? "" : "s") by trusted keys required")
        }
        do {
            try policy.verify(manifest: manifest, signatures: provenance.signatures)
        } catch let error as SigningError {
            return refusal(error.code.rawValue, error.message)
        } catch {
            return refusal(SigningError.Code.badSignature.rawValue, "\(error)")
        }
        let signed = Dictionary(manifest.modules.map { ($0.module, $0.sha256) }, uniquingKeysWith: { first, _ in first })
        if Set(job.sources.keys) != Set(signed.keys) {
            let extra = Set(job.sources.keys).symmetricDifference(signed.keys).sorted()
            return refusal("module_set_mismatch", "the modules to run differ from the signed manifest's (\(extra.joined(separator: ", ")))")
        }
        // Fetched sources are hashed here. A kept one is the running release's, whose every
        // source was hashed against its own entry when it was verified: its entry must carry
        // the signed hash, and hashing its text again would only repeat that check.
        let fetched = Set(job.changed.map(\.name))
        for name in job.sources.keys.sorted() {
            let matches = fetched.contains(name)
                ? SHA256Hex.of(job.sources[name]!.text) == signed[name]
                : job.loaded?.entries[name]?.sha256 == signed[name]
            if !matches {
                return refusal("source_hash_mismatch",
                               "the source of module \(name) does not hash to the signed SHA-256", module: name)
            }
        }
        return nil
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
        /// What the release's signatures cover besides its modules, and the signatures.
        var provenance: ReleaseProvenance?

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
                 over loaded: LoadedRelease?, started: ContinuousClock.Instant, stale: Bool = false,
                 provenance: ReleaseProvenance?) -> ApplyJob? {
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
                        changed: changed, started: started, stale: stale, timeLimit: configuration.linkTimeLimit,
                        provenance: provenance)
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
                                     sources: job.sources, snapshot: snapshot, stale: job.stale,
                                     provenance: job.provenance, calls: metrics.calls.table(for: snapshot),
                                     tracer: callTracer)
            holder.store(next)
            callMetrics.track(next)
            let swappedAt = ContinuousClock.now
            let duration = swappedAt - job.started
            state.withLock { state in
                state.applies += 1
                state.errorRelease = nil
                state.lastError = nil
                state.refusedForTrust = false
            }
            metrics.swapped(to: next, started: job.started, at: swappedAt)
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

    /// Records and reports a refusal; `forTrust`: for its signatures or sources (a new
    /// trust policy clears it, and it counts in `signatureRefusals`).
    func refuse(release: Int64, kept: Int64?, errors: [NodeError], forTrust: Bool = false) {
        state.withLock { state in
            state.failures += 1
            state.errorRelease = release
            state.lastError = errors.first
            state.refusedForTrust = forTrust
            if forTrust { state.signatureRefusals += 1 }
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
        guard let job = prepare(release: contents.release, manifest: manifest, sources: sources, over: nil,
                                started: ContinuousClock.now, stale: true, provenance: contents.provenance)
        else { return false }
        if let refusal = verify(job, modules: manifest) {
            logger.error("the cached release \(contents.release) does not verify under the trust policy; not serving it",
                         metadata: ["error": "\(refusal.message)", "directory": "\(directory)"])
            return false
        }
        finish(job, job.compile(with: compiler))
        return current != nil
    }
}
