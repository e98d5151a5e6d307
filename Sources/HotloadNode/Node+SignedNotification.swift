import Foundation
import HotloadStore

extension Node {
    /// Whether a signed notification may be decoded now: one at a time, and after one that
    /// was ignored (forged, tampered, replayed) not again within `minSyncInterval`, so a
    /// flood of forged payloads costs a node at most one decode per interval. A signed
    /// notification that may not be decoded is an ordinary hint.
    func admitSignedNotification() -> Bool {
        let now = ContinuousClock.now
        return state.withLock { state in
            if state.fastPathRunning { return false }
            if let until = state.fastPathQuietUntil, now < until { return false }
            state.fastPathRunning = true
            return true
        }
    }

    /// Applies the release a signed notification carries without any database statement
    /// (no read, no status write: the next heartbeat reports it) when the node has a trust
    /// policy, runs the manifest's parent (not from the cache) and is not pinned, the
    /// signatures verify, and every module the release changed has its source in the
    /// payload. Runs off the listener and the driver; compiling on its own thread, through
    /// the same prepare, verify, compile and finish steps as a sync, inside the apply gate.
    ///
    /// - Returns: false when the notification must be treated as an ordinary hint (a sync):
    ///   it did not decode, did not verify or does not follow the running release (counted
    ///   in `ignoredNotifications`, never applied), or it cannot be applied from the payload
    ///   alone (pinned, no running release, a source missing).
    func applySignedNotification(_ notification: ReleaseNotification, _ trace: SyncTrace) async -> Bool {
        let started = ContinuousClock.now
        defer { state.withLock { $0.fastPathRunning = false } }
        if trust.path != nil { reloadTrustFile(force: false) }
        guard trust.policy != nil else { return deferred(trace) }
        let payload: SignedReleasePayload
        do {
            payload = try SignedReleasePayload(notification)
        } catch {
            return ignore(notification, because: error.message, trace)
        }
        return await applyGate.run { () -> Bool in
            let manifest = payload.manifest
            let release = Int64(manifest.release)
            trace.target(release)
            guard let loaded = current, !loaded.stale else { return deferred(trace) }
            if loaded.release == release { return unchanged(trace) }
            let (pinned, refused) = state.withLock { ($0.target?.pinned != nil, $0.errorRelease) }
            // Refused here already (it does not compile, or its signatures failed the
            // policy in force): nothing more to learn until the target or the policy changes.
            if refused == release { return unchanged(trace) }
            guard manifest.parent.map(Int64.init) == loaded.release else {
                return ignore(notification, because: "its parent is release \(manifest.parent.map(String.init) ?? "none"), "
                              + "the node runs \(loaded.release)", trace)
            }
            if pinned { return deferred(trace) }
            let plan = ApplyPlanner.plan(current: loaded.entries, target: manifest.modules)
            guard plan.changed.allSatisfy({ payload.sources[$0.module] != nil }) else { return deferred(trace) }
            let provenance = ReleaseProvenance(parent: manifest.parent.map(Int64.init), author: manifest.author,
                                               message: manifest.message, signatures: payload.signatures)
            guard let job = prepare(release: release, manifest: manifest.modules, sources: payload.sources, over: loaded,
                                    started: started, provenance: provenance)
            else {
                trace.ended(.refused)
                return true
            }
            if let failure = verify(job, modules: manifest.modules) {
                return ignore(notification, because: failure.message, trace)
            }
            let result = await trace.step(NodeTraceNames.compile) {
                await ReleaseCompiler.onOwnThread { [compiler] in job.compile(with: compiler) }
            }
            trace.compiled(job, result)
            // Counted before the swap, so that whoever sees the release also sees how it came.
            state.withLock { state in
                if case .success = result { state.fastPathApplies += 1 }
                // What the release is to the channel: release_sign sends the signed payload
                // only for the channel's new stable head.
                state.target?.release = release
                state.target?.stable = release
            }
            finish(job, result)
            return true
        }
    }

    /// Nothing to apply: the release runs already, or was refused here; true.
    private func unchanged(_ trace: SyncTrace) -> Bool {
        trace.ended(.unchanged)
        return true
    }

    /// Cannot be applied from the payload alone; false (a sync follows).
    private func deferred(_ trace: SyncTrace) -> Bool {
        trace.ended(.deferred)
        return false
    }

    /// Counts and logs a signed notification that is not applied; false (treat it as a hint).
    private func ignore(_ notification: ReleaseNotification, because reason: String, _ trace: SyncTrace) -> Bool {
        trace.ended(.ignored)
        let quiet = ContinuousClock.now + configuration.minSyncInterval
        state.withLock { state in
            state.ignoredNotifications += 1
            state.fastPathQuietUntil = quiet
        }
        logger.warning("ignored a signed notification for release \(notification.release); reading the target instead",
                       metadata: ["reason": "\(reason)"])
        return false
    }
}
