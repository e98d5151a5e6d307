/// The node's watcher as a pure state machine: no sockets, no clocks, no tasks.
///
/// The driver (`Node`) feeds it events — a connection came up, a notification arrived, a
/// timer fired, a sync finished — and performs the actions it returns. Two concerns live
/// here together because they interact:
///
/// - the **listener**: connecting → LISTEN → listening, and after a failure a
///   reconnect wait with jittered exponential backoff that resets once LISTEN succeeds;
/// - the **sync**: re-reading the head from the tables. NOTIFY is only a hint, so every
///   notification, poll tick and (re)connect asks for a sync. At most one sync runs at a
///   time; requests that arrive meanwhile are coalesced into one more sync afterwards,
///   so a burst of releases costs at most two head reads, and none is missed.
///
/// Listener events carry the connection's generation so that a late event from a
/// connection that was already given up cannot disturb the current one. Dead-peer
/// detection (TCP keepalives, an idle ping on the listener connection) surfaces here as
/// `connectionLost`.
public struct WatcherStateMachine: Sendable {
    /// Where the listener connection is.
    public enum ListenerState: Sendable, Hashable {
        /// Not started yet.
        case idle
        /// Opening connection number `generation`.
        case connecting(generation: Int)
        /// Connected; LISTEN issued but not yet confirmed.
        case subscribing(generation: Int)
        /// LISTEN confirmed; notifications flow.
        case listening(generation: Int)
        /// Waiting for the reconnect timer after a failure.
        case waitingToReconnect(generation: Int)
        /// Shut down; every event is ignored.
        case stopped
    }

    /// Whether a head re-read is running.
    public enum SyncState: Sendable, Hashable {
        case idle
        /// A sync is running; `again` is set when another request arrived meanwhile.
        case running(again: Bool)
    }

    /// What happened.
    public enum Event: Sendable, Hashable {
        /// The service starts.
        case start
        /// Connection `generation` is open.
        case connected(generation: Int)
        /// Connection `generation` failed to open, or was lost (error, EOF, failed ping).
        case connectionLost(generation: Int)
        /// LISTEN succeeded on connection `generation`.
        case subscribed(generation: Int)
        /// A notification arrived (any payload: it is only a hint).
        case notification
        /// The poll timer fired (the safety net when a NOTIFY was missed).
        case pollTick
        /// The reconnect timer fired.
        case reconnectTimerFired(generation: Int)
        /// A sync finished (applied, unchanged, or failed — the next request will retry).
        case syncFinished
        /// The service is shutting down.
        case shutdown
    }

    /// What the driver must do.
    public enum Action: Sendable, Hashable {
        /// Open listener connection `generation`.
        case connect(generation: Int)
        /// Issue LISTEN on connection `generation`.
        case listen(generation: Int)
        /// Close connection `generation` (it failed or was superseded).
        case close(generation: Int)
        /// Start the reconnect timer for `generation` after `delay`.
        case scheduleReconnect(generation: Int, delay: Duration)
        /// Re-read the head and apply it if it moved.
        case sync
    }

    public private(set) var listener: ListenerState = .idle
    public private(set) var sync: SyncState = .idle
    public private(set) var backoff: Backoff

    public init(backoff: Backoff = Backoff()) {
        self.backoff = backoff
    }

    /// Feeds one event; returns the actions to perform, in order.
    /// - Parameter unitRandom: jitter in `[0, 1]`, used only when a reconnect is scheduled.
    public mutating func handle(_ event: Event, unitRandom: Double = 0.5) -> [Action] {
        if listener == .stopped { return [] }
        switch event {
        case .start:
            guard listener == .idle else { return [] }
            listener = .connecting(generation: 1)
            // Load the head at once: the initial load must not wait for LISTEN.
            return [.connect(generation: 1)] + requestSync()

        case .connected(let generation):
            guard listener == .connecting(generation: generation) else { return [.close(generation: generation)] }
            listener = .subscribing(generation: generation)
            return [.listen(generation: generation)]

        case .subscribed(let generation):
            guard listener == .subscribing(generation: generation) else { return [] }
            listener = .listening(generation: generation)
            backoff.reset()
            // Anything committed while we were not listening is found by this sync.
            return requestSync()

        case .connectionLost(let generation):
            switch listener {
            case .connecting(generation), .subscribing(generation), .listening(generation):
                let delay = backoff.nextDelay(unitRandom: unitRandom)
                listener = .waitingToReconnect(generation: generation)
                return [.close(generation: generation), .scheduleReconnect(generation: generation, delay: delay)]
            default:
                return []
            }

        case .reconnectTimerFired(let generation):
            guard listener == .waitingToReconnect(generation: generation) else { return [] }
            let next = generation < Int.max ? generation + 1 : 1
            listener = .connecting(generation: next)
            return [.connect(generation: next)]

        case .notification, .pollTick:
            return requestSync()

        case .syncFinished:
            switch sync {
            case .running(again: true):
                sync = .running(again: false)
                return [.sync]
            case .running(again: false), .idle:
                sync = .idle
                return []
            }

        case .shutdown:
            let actions: [Action]
            switch listener {
            case .connecting(let g), .subscribing(let g), .listening(let g):
                actions = [.close(generation: g)]
            default:
                actions = []
            }
            listener = .stopped
            sync = .idle
            return actions
        }
    }

    private mutating func requestSync() -> [Action] {
        switch sync {
        case .idle:
            sync = .running(again: false)
            return [.sync]
        case .running:
            sync = .running(again: true)
            return []
        }
    }
}
