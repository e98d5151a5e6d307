/// The node's watcher as a pure state machine: no sockets, no clocks, no tasks.
///
/// The driver (`Node`) feeds it events — a connection came up, a notification arrived, a
/// timer fired, a sync finished — and performs the actions it returns. Two concerns live
/// here together because they interact:
///
/// - the **listener**: connecting → LISTEN → listening, and after a failure a
///   reconnect wait with jittered exponential backoff that resets once LISTEN succeeds;
/// - the **sync**: re-reading from the tables which release the node should run (its
///   target: the channel's head without a rollout). NOTIFY is only a hint, so every
///   notification, poll tick, (re)connect and pin expiry asks for a sync. At most one sync runs at a
///   time, and syncs start at least `minSyncInterval` apart: a sync arms the sync timer,
///   and requests that arrive while a sync runs or before the timer fires are coalesced
///   into one more sync once both are over. Any role that can connect may NOTIFY, so a
///   flood of notifications, garbage or well-formed, costs each node at most one head read
///   per interval; a request is never dropped, so a real release in the flood is still
///   read within one interval (plus the running sync).
///
/// Listener events carry the connection's generation so that a late event from a
/// connection that was already given up cannot disturb the current one. Dead-peer
/// detection (TCP keepalives, an idle ping on the listener connection) surfaces here as
/// `connectionLost`.
///
/// A machine made with `listens: false` has no listener at all (`ListenerState.disabled`):
/// it never asks for a connection or LISTEN, and the poll ticks alone drive its syncs.
package struct WatcherStateMachine: Sendable {
    /// Where the listener connection is.
    package enum ListenerState: Sendable, Hashable {
        /// Not started yet.
        case idle
        /// The node does not listen (`listens: false`): no connection, only polls.
        case disabled
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

    /// Whether a head re-read is running or may start.
    package struct SyncState: Sendable, Hashable {
        /// A sync is running.
        package var running = false
        /// The sync timer is armed: less than `minSyncInterval` since the last sync started.
        package var timerArmed = false
        /// A request arrived that no started sync has served yet.
        package var pending = false

        /// Nothing running, nothing waiting, no timer.
        package static let idle = SyncState()
    }

    /// What happened.
    package enum Event: Sendable, Hashable {
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
        /// The node's pin expired (a timer armed from the expiry the last read returned).
        case pinExpired
        /// The reconnect timer fired.
        case reconnectTimerFired(generation: Int)
        /// A sync finished (applied, unchanged, or failed — the next request will retry).
        case syncFinished
        /// The sync timer armed by the last sync fired: another sync may start.
        case syncTimerFired
        /// The service is shutting down.
        case shutdown
    }

    /// What the driver must do.
    package enum Action: Sendable, Hashable {
        /// Open listener connection `generation`.
        case connect(generation: Int)
        /// Issue LISTEN on connection `generation`.
        case listen(generation: Int)
        /// Close connection `generation` (it failed or was superseded).
        case close(generation: Int)
        /// Start the reconnect timer for `generation` after `delay`.
        case scheduleReconnect(generation: Int, delay: Duration)
        /// Re-read the node's target (the head, without a rollout) and apply it if it moved.
        case sync
        /// Fire `syncTimerFired` after `delay` (always right after a `sync`).
        case armSyncTimer(delay: Duration)
    }

    package private(set) var listener: ListenerState = .idle
    package private(set) var sync: SyncState = .idle
    package private(set) var backoff: Backoff
    /// The shortest time between the starts of two syncs.
    package let minSyncInterval: Duration
    /// Whether the machine opens a listener connection at start.
    package let listens: Bool

    /// - Parameters:
    ///   - minSyncInterval: the shortest time between the starts of two syncs (at least one
    ///     millisecond).
    ///   - listens: false for a node that only polls: no listener connection is ever opened.
    package init(backoff: Backoff = Backoff(), minSyncInterval: Duration = .milliseconds(100), listens: Bool = true) {
        self.backoff = backoff
        self.minSyncInterval = max(minSyncInterval, .milliseconds(1))
        self.listens = listens
    }

    /// Feeds one event; returns the actions to perform, in order.
    /// - Parameter unitRandom: jitter in `[0, 1]`, used only when a reconnect is scheduled.
    package mutating func handle(_ event: Event, unitRandom: Double = 0.5) -> [Action] {
        if listener == .stopped { return [] }
        switch event {
        case .start:
            guard listener == .idle else { return [] }
            guard listens else {
                listener = .disabled
                return requestSync()
            }
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

        case .notification, .pollTick, .pinExpired:
            return requestSync()

        case .syncFinished:
            sync.running = false
            return startPendingSync()

        case .syncTimerFired:
            sync.timerArmed = false
            return startPendingSync()

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
        sync.pending = true
        return startPendingSync()
    }

    /// Starts the pending sync unless one runs or the timer is armed.
    private mutating func startPendingSync() -> [Action] {
        guard sync.pending, !sync.running, !sync.timerArmed else { return [] }
        sync = SyncState(running: true, timerArmed: true, pending: false)
        return [.sync, .armSyncTimer(delay: minSyncInterval)]
    }
}
