import HotloadModules
import HotloadStore
import Tracing

/// The span and attribute names the node records (the sidecar's too). A host exports them
/// through the tracer it bootstrapped; nothing here depends on one.
package enum NodeTraceNames {
    /// One sync: a wake-up's target read and, when the target is new, its apply.
    package static let sync = "hotload.sync"
    /// The target read (`NodeSession.readTarget`: target, manifest, missing sources).
    package static let fetch = "hotload.sync.fetch"
    /// Compiling and linking the release (one step of the linker: the changed modules and
    /// their dependents, or every module for the first release).
    package static let compile = "hotload.sync.compile"
    /// The event on the sync span when the compiled release is swapped in.
    package static let swap = "swap"
    /// One `LoadedRelease.call`.
    package static let call = "hotload.call"

    package static let channel = "hotload.channel"
    package static let node = "hotload.node"
    package static let wakeUp = "hotload.wakeup"
    package static let release = "hotload.release"
    package static let previousRelease = "hotload.previous_release"
    package static let recompiled = "hotload.recompiled"
    package static let outcome = "hotload.outcome"
    package static let errorCode = "hotload.error.code"
    package static let module = "hotload.module"
    package static let function = "hotload.function"
}

/// Why a sync started: the latest request it serves (requests arriving while a sync runs,
/// or within `minSyncInterval` of the last one, are coalesced into the next).
package enum SyncWakeUp: String, Sendable {
    /// The node started.
    case start
    /// LISTEN was (re-)established: whatever was committed meanwhile is read now.
    case listening
    /// A notification for the channel (or a request from inside the node: a trust reload,
    /// a read dropped because another apply swapped first).
    case notification
    /// The poll interval passed.
    case poll
    /// The node's pin expired.
    case pinExpiry = "pin_expiry"
    /// A signed notification carrying the release (the fast path: no read).
    case signedNotification = "signed_notification"

    /// The request `event` makes, nil for an event that requests no sync.
    package init?(_ event: WatcherStateMachine.Event) {
        switch event {
        case .start: self = .start
        case .subscribed: self = .listening
        case .notification: self = .notification
        case .pollTick: self = .poll
        case .pinExpired: self = .pinExpiry
        case .connected, .connectionLost, .reconnectTimerFired, .syncFinished, .syncTimerFired, .shutdown: return nil
        }
    }
}

/// How a sync ended, as its span's `hotload.outcome` says.
package enum SyncTraceOutcome: String, Sendable {
    /// A new release was swapped in.
    case applied
    /// The target was refused (does not compile, or fails the trust policy); the running
    /// release stays.
    case refused
    /// Nothing to apply: the target is the running release or one refused before.
    case unchanged
    /// The target could not be read; the next sync retries.
    case databaseError = "database_error"
    /// Another apply (a signed notification) swapped first; the read was dropped and a new
    /// sync requested.
    case superseded
    /// A signed notification that did not decode, verify or follow the running release:
    /// ignored (counted in `ignoredNotifications`), and a sync requested.
    case ignored
    /// A signed notification that cannot be applied from its payload alone (pinned, no
    /// running release, a source missing): a sync is requested.
    case deferred
}

/// The tracer of a release's calls, in a box: testing an optional class reference is one
/// comparison, while testing an optional existential (`(any Tracer)?`) goes through the
/// runtime: it added about 9 ns to an untraced call (`hotload bench function --node-call`,
/// ~157 ns), the box nothing measurable.
package final class CallTracer: Sendable {
    package let tracer: any Tracer

    init(_ tracer: any Tracer) {
        self.tracer = tracer
    }
}

/// The span of one sync and what is recorded in it. With the no-op tracer every record is
/// a no-op (the span does not record).
struct SyncTrace: Sendable {
    let tracer: any Tracer
    let span: any Span

    /// Runs `body` in the child span `name`.
    func step<T>(_ name: String, isolation: isolated (any Actor)? = #isolation,
                 _ body: () async throws -> T) async rethrows -> T {
        try await tracer.withSpan(name, context: span.context, isolation: isolation) { _ in try await body() }
    }

    /// The release the read named as this node's target.
    func target(_ release: Int64?) {
        if let release { span.attributes[NodeTraceNames.release] = release }
    }

    /// How the sync ended (`hotload.outcome`).
    func ended(_ outcome: SyncTraceOutcome) {
        span.attributes[NodeTraceNames.outcome] = outcome.rawValue
    }

    /// The sync refused its target: the first error's code, and the span's status an error.
    func refused(_ errors: [NodeError]) {
        ended(.refused)
        if let code = errors.first?.code { span.attributes[NodeTraceNames.errorCode] = code }
        span.setStatus(SpanStatus(code: .error, message: errors.first?.message))
    }

    /// The outcome of compiling `job`: `applied` with the recompiled count and the swap
    /// event, or `refused`.
    func compiled(_ job: Node.ApplyJob, _ result: Result<Snapshot, CompileFailure>) {
        switch result {
        case .success(let snapshot):
            ended(.applied)
            span.attributes[NodeTraceNames.recompiled] = job.isUnchanged ? 0 : snapshot.recompiled.count
            if let previous = job.loaded?.release { span.attributes[NodeTraceNames.previousRelease] = previous }
            span.addEvent(SpanEvent(name: NodeTraceNames.swap))
        case .failure(let failure):
            refused(failure.errors)
        }
    }
}

extension Node {
    /// The tracer a release's calls use: nil for the no-op tracer, so that an untraced
    /// call costs one nil check (`LoadedRelease.call`).
    package static func callTracer(_ tracer: any Tracer) -> CallTracer? {
        tracer is NoOpTracer ? nil : CallTracer(tracer)
    }

    /// Runs one sync (`sync(_:)`) in a root `hotload.sync` span: a sync belongs to no
    /// request, whatever task started the node.
    func sync(wakeUp: SyncWakeUp) async -> SyncOutcome {
        await traceSync(wakeUp) { trace in await sync(trace) }
    }

    /// Applies a signed notification (`applySignedNotification(_:_:)`) in a root
    /// `hotload.sync` span, wake-up `signed_notification`.
    func applySignedNotification(_ notification: ReleaseNotification) async -> Bool {
        await traceSync(.signedNotification) { trace in await applySignedNotification(notification, trace) }
    }

    private func traceSync<T>(_ wakeUp: SyncWakeUp, isolation: isolated (any Actor)? = #isolation,
                              _ body: (SyncTrace) async -> T) async -> T {
        await tracer.withSpan(NodeTraceNames.sync, context: .topLevel, isolation: isolation) { span in
            span.attributes[NodeTraceNames.channel] = configuration.channel
            span.attributes[NodeTraceNames.node] = configuration.name
            span.attributes[NodeTraceNames.wakeUp] = wakeUp.rawValue
            return await body(SyncTrace(tracer: tracer, span: span))
        }
    }
}
