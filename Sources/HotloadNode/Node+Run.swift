import Foundation
import HotloadStore
import Logging
import PQ
import ServiceLifecycle

/// Why a node could not start: a stable `code` to match on, a `message`, and the context
/// (`configurationError`, `target`, `nodeName`, `owner`). Match on the code, never on the
/// message; a new code does not break a `switch` over the existing ones. Messages name no
/// command-line flag; a command-line tool adds those hints from the code.
public struct NodeStartError: Error, Sendable, CustomStringConvertible {
    /// A stable identifier of the kind of failure (snake_case; never changes meaning).
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The configuration was refused before connecting (`configurationError`).
        public static let configuration = Code(rawValue: "configuration")
        /// The database could not be reached or used at start and there is no cached release
        /// (`target`, `cause`; the message has the fix: the role to grant, the server to check).
        public static let database = Code(rawValue: "database")
        /// The connection string is malformed or sets an invalid value.
        public static let connectionString = Code(rawValue: "connection_string")
        /// The node's name is registered by another database role (`nodeName`, `owner`).
        public static let nameTaken = Code(rawValue: "name_taken")
        /// The trust file cannot be used: unreadable, not a regular file, writable by group
        /// or others, or not a valid trust file (`cause`).
        public static let trustFile = Code(rawValue: "trust_file")
    }

    /// What kind of failure this is.
    public let code: Code
    /// What is wrong, with the fix.
    public let message: String
    /// The refused configuration (`configuration`).
    public let configurationError: NodeConfigurationError?
    /// The server the node tried, without password (`database`).
    public let target: String?
    /// The node name another role registered (`name_taken`).
    public let nodeName: String?
    /// The database role that registered `nodeName` (`name_taken`).
    public let owner: String?
    /// The error behind `database`, as the store mapped it (a `StoreError` for a missing
    /// schema or a role without `hotload_node`, else a `PQError`), when there is one.
    public let cause: (any Error)?

    private init(_ code: Code, _ message: String, configurationError: NodeConfigurationError? = nil,
                 target: String? = nil, nodeName: String? = nil, owner: String? = nil,
                 cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.configurationError = configurationError
        self.target = target
        self.nodeName = nodeName
        self.owner = owner
        self.cause = cause
    }

    /// `configuration`: the configuration was refused before connecting.
    public static func configuration(_ error: NodeConfigurationError) -> NodeStartError {
        NodeStartError(.configuration, error.description, configurationError: error)
    }
    /// `database`: the database at `target` could not be reached or used; `underlying` is
    /// the error with its fix; `cause` is that error (a `StoreError` when the server answered).
    public static func database(target: String, underlying: String, cause: (any Error)? = nil) -> NodeStartError {
        let what = cause is StoreError ? "cannot use the database at" : "cannot reach the database at"
        return NodeStartError(.database, "node cannot start: \(what) \(target): \(underlying)", target: target, cause: cause)
    }
    /// `connection_string`: `underlying` says what is wrong with the string and how to write it.
    public static func connectionString(underlying: String) -> NodeStartError {
        NodeStartError(.connectionString, "node cannot start: \(underlying)")
    }
    /// `name_taken`: `name` is registered by database role `owner`.
    public static func nameTaken(name: String, owner: String) -> NodeStartError {
        NodeStartError(.nameTaken, "node cannot start: the node name '\(TerminalText.escaping(name))' is registered by "
                       + "database role '\(TerminalText.escaping(owner))'; choose another node name or run the node as that role",
                       nodeName: name, owner: owner)
    }

    /// `trust_file`: the trust file cannot be used; `cause` says why.
    public static func trustFile(_ cause: any Error) -> NodeStartError {
        NodeStartError(.trustFile, "node cannot start: \(cause)", cause: cause)
    }

    /// The message.
    public var description: String { message }
}

/// Everything the driver loop reacts to: state machine events plus their payloads.
enum DriverEvent: Sendable {
    case machine(WatcherStateMachine.Event)
    case connected(generation: Int, Connection)
    case lost(generation: Int, String)
    /// The node's pin expires after this long: read the target again then.
    case pinExpires(in: Duration)
    /// A notification for this channel carried a signed release (`ReleaseNotification.signed`).
    case signed(ReleaseNotification)
}

extension Node {
    /// A database error met while starting or connecting, with its fix (registering needs
    /// the node role; a refused connection names the server to check).
    static func explaining(_ error: any Error) -> String {
        let mapped = StoreError.mapping(error, role: .node)
        return (mapped as? PQError).map(DatabaseAdvice.describe) ?? "\(mapped)"
    }

    /// Starts the node and runs until graceful shutdown or cancellation.
    ///
    /// Fails fast (throws) on an invalid configuration or connection string, and when the
    /// database cannot be reached at start unless a cached release can be served instead.
    public func run() async throws {
        do {
            try configuration.validate()
        } catch {
            throw NodeStartError.configuration(error)
        }
        do {
            try trust.load()
        } catch {
            throw NodeStartError.trustFile(error)
        }
        let listenConfig = ConnectionSettings.configuration(configuration, role: "listener")
        logger.info("following channel \(configuration.channel)", metadata: [
            "database": "\(listenConfig.redactedDescription)",
            "wake-up": "\(configuration.listensForNotifications ? "notifications" : "polls only, every \(configuration.pollInterval)")",
        ])
        do {
            try await queries.open()
            state.withLock { $0.databaseReachable = true }
            _ = try await queries.run { [configuration, instance] session in
                try await session.register(name: configuration.name, instance: instance, host: Self.host, pid: Self.pid,
                                           channel: configuration.channel,
                                           report: NodeStatusReport(appliedRelease: nil, stale: false))
            }
        } catch let taken as NodeNameTaken {
            throw NodeStartError.nameTaken(name: taken.name, owner: taken.owner)
        } catch let error as PQError where error.kind == .invalidConnectionString {
            // A configuration error: no cached release makes it right.
            throw NodeStartError.connectionString(underlying: DatabaseAdvice.describe(error))
        } catch {
            let reason = Self.explaining(error)
            guard loadFromCache() else {
                throw NodeStartError.database(target: listenConfig.redactedDescription, underlying: reason,
                                              cause: StoreError.mapping(error, role: .node))
            }
            logger.warning("database unreachable at start; serving the cached release", metadata: ["error": "\(reason)"])
        }
        state.withLock { $0.startedAt = Date() }
        startSignal.fire()

        let (events, input) = AsyncStream<DriverEvent>.makeStream()
        let (beats, beat) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        driverInput.withLock { $0 = input }
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.pollLoop(input) }
                if trust.path != nil { group.addTask { await self.trustWatchLoop() } }
                group.addTask { await self.heartbeatLoop(beats, beat) }
                await self.driverLoop(events, input, beat, listenConfig, &group)
                group.cancelAll()
            }
        } onGracefulShutdown: {
            input.yield(.machine(.shutdown))
        }
        driverInput.withLock { $0 = nil }
        await markStopped()
        broadcaster.finish()
    }

    /// Owns the state machine and performs its actions.
    private func driverLoop(_ events: AsyncStream<DriverEvent>, _ input: AsyncStream<DriverEvent>.Continuation,
                            _ beat: AsyncStream<Void>.Continuation, _ listenConfig: ConnectionConfiguration,
                            _ group: inout DiscardingTaskGroup) async {
        var machine = WatcherStateMachine(backoff: Backoff(initial: configuration.backoffInitial, cap: configuration.backoffCap),
                                          minSyncInterval: configuration.minSyncInterval,
                                          listens: configuration.listensForNotifications)
        var connections: [Int: Connection] = [:]
        var listeners: [Int: Task<Void, Never>] = [:]
        // When the armed pin-expiry timer fires, if one is armed.
        var pinTimer: ContinuousClock.Instant?
        // The latest request the next sync serves (its span's wake-up reason).
        var wakeUp = SyncWakeUp.start
        input.yield(.machine(.start))
        await withTaskCancellationHandler {
            for await event in events {
                let machineEvent: WatcherStateMachine.Event
                switch event {
                case .machine(let e):
                    machineEvent = e
                case .connected(let generation, let connection):
                    connections[generation] = connection
                    machineEvent = .connected(generation: generation)
                case .lost(let generation, let message):
                    if connections[generation] != nil || listeners[generation] != nil {
                        state.withLock { $0.listening = false }
                        broadcaster.yield(.disconnected(message))
                        logger.warning("listener connection lost", metadata: ["error": "\(message)"])
                    }
                    machineEvent = .connectionLost(generation: generation)
                case .pinExpires(let delay):
                    // A little after the expiry, so that the database's clock has passed it
                    // (an early read still sees the pin and arms the timer again).
                    let due = ContinuousClock.now + max(delay, .zero) + .milliseconds(20)
                    if let armed = pinTimer, armed > ContinuousClock.now, armed <= due { continue }
                    pinTimer = due
                    group.addTask {
                        try? await Task.sleep(until: due)
                        input.yield(.machine(.pinExpired))
                    }
                    continue
                case .signed(let notification):
                    if admitSignedNotification() {
                        // Decoded, verified and compiled off the driver and the listener;
                        // when it cannot be applied it comes back as an ordinary hint.
                        group.addTask {
                            if await !self.applySignedNotification(notification) { input.yield(.machine(.notification)) }
                        }
                        continue
                    }
                    machineEvent = .notification
                }
                if let request = SyncWakeUp(machineEvent) { wakeUp = request }
                if case .subscribed = machineEvent {
                    state.withLock { $0.listening = true }
                    broadcaster.yield(.listening)
                }
                for action in machine.handle(machineEvent, unitRandom: Double.random(in: 0...1)) {
                    switch action {
                    case .connect(let generation):
                        group.addTask {
                            do {
                                input.yield(.connected(generation: generation, try await Connection.connect(listenConfig)))
                            } catch {
                                input.yield(.lost(generation: generation, Node.explaining(error)))
                            }
                        }
                    case .listen(let generation):
                        guard let connection = connections[generation] else { continue }
                        listeners[generation] = Task { await self.listenLoop(connection, generation, input) }
                    case .close(let generation):
                        listeners.removeValue(forKey: generation)?.cancel()
                        if let connection = connections.removeValue(forKey: generation) {
                            group.addTask { await connection.close() }
                        }
                    case .scheduleReconnect(let generation, let delay):
                        group.addTask {
                            try? await Task.sleep(for: delay)
                            input.yield(.machine(.reconnectTimerFired(generation: generation)))
                        }
                    case .sync:
                        state.withLock { $0.headReads += 1 }
                        group.addTask { [wakeUp] in
                            let outcome = await self.sync(wakeUp: wakeUp)
                            if outcome.changed { beat.yield() }
                            if let expiry = outcome.pinExpiresIn { input.yield(.pinExpires(in: expiry)) }
                            input.yield(.machine(.syncFinished))
                        }
                    case .armSyncTimer(let delay):
                        group.addTask {
                            try? await Task.sleep(for: delay)
                            input.yield(.machine(.syncTimerFired))
                        }
                    }
                }
                if machine.listener == .stopped { break }
            }
        } onCancel: {
            input.yield(.machine(.shutdown))
        }
        for task in listeners.values { task.cancel() }
        for connection in connections.values { await connection.close() }
        input.finish()
    }

    /// LISTEN, then wait for notifications; when idle for a ping interval, check the
    /// connection with a trivial query. Any failure reports the connection lost.
    private func listenLoop(_ connection: Connection, _ generation: Int, _ input: AsyncStream<DriverEvent>.Continuation) async {
        do {
            try await connection.listen(ReleaseNotification.channelName)
            input.yield(.machine(.subscribed(generation: generation)))
            while !Task.isCancelled {
                let notifications = try await connection.waitForNotifications(timeout: configuration.pingInterval)
                if notifications.isEmpty {
                    _ = try await connection.query("SELECT 1")
                    continue
                }
                var hint = false
                for notification in notifications {
                    // Parsed once, for the metrics and for what it asks of the node.
                    let parsed = ReleaseNotification(payload: notification.payload)
                    metrics.received(parsed, channel: configuration.channel)
                    switch classify(parsed) {
                    case .otherChannel, .running: break
                    case .hint: hint = true
                    case .signed(let signed): input.yield(.signed(signed))
                    }
                }
                if hint { input.yield(.machine(.notification)) }
            }
        } catch {
            if !Task.isCancelled { input.yield(.lost(generation: generation, "\(error)")) }
        }
    }

    /// What a notification asks of this node.
    enum NotificationKind: Equatable {
        case otherChannel
        /// Re-read the target (rate-limited).
        case hint
        /// A signed notification about the release the node runs: nothing to do.
        case running
        /// Try to apply the signed release it carries (`ReleaseNotification.signed`).
        case signed(ReleaseNotification)
    }

    /// A notification that does not parse counts as a hint for every channel (the sync
    /// re-reads the truth anyway). A signed one is worth decoding only with a trust policy
    /// and when it announces a release newer than the running one (release ids grow): an
    /// older one is a replay, counted and treated as a hint.
    func classify(_ notification: ReleaseNotification?) -> NotificationKind {
        guard let notification else { return .hint }
        guard notification.channel == configuration.channel else { return .otherChannel }
        guard notification.signed != nil, trust.policy != nil else { return .hint }
        if let running = current, !running.stale, notification.release <= running.release {
            if notification.release == running.release { return .running }
            state.withLock { $0.ignoredNotifications += 1 }
            return .hint
        }
        return .signed(notification)
    }

    /// Notices a changed trust file within a second (a `stat` per second).
    private func trustWatchLoop() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: .seconds(1)) } catch { return }
            reloadTrustFile(force: false)
        }
    }

    /// Ticks every poll interval. A node that does not listen takes its first tick after a
    /// random part of the interval (the start has just read the head): the polls of a fleet
    /// started together spread over the interval instead of reaching the server at once.
    private func pollLoop(_ input: AsyncStream<DriverEvent>.Continuation) async {
        var delay = configuration.pollInterval
        if !configuration.listensForNotifications { delay = delay * Double.random(in: 0.01...1) }
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: delay)
            } catch {
                return
            }
            input.yield(.machine(.pollTick))
            delay = configuration.pollInterval
        }
    }

    /// How long after an apply or refusal a node writes its status row, in milliseconds,
    /// chosen at random. The delay keeps a fleet's status writes off the critical path:
    /// right after a release every node writes its row, and those writes would otherwise
    /// queue in front of slower nodes' head reads.
    package static let statusWriteDelay = 50...250

    /// Writes the status row on a timer and shortly after every apply or refusal.
    private func heartbeatLoop(_ beats: AsyncStream<Void>, _ beat: AsyncStream<Void>.Continuation) async {
        await withDiscardingTaskGroup { group in
            group.addTask { [configuration] in
                while !Task.isCancelled {
                    do { try await Task.sleep(for: configuration.heartbeatInterval) } catch { return }
                    beat.yield()
                }
            }
            for await _ in beats {
                do { try await Task.sleep(for: .milliseconds(Int.random(in: Node.statusWriteDelay))) } catch { break }
                await writeStatus(stopped: false)
            }
            group.cancelAll()
        }
    }

    func statusReport() -> NodeStatusReport {
        let loaded = current
        return state.withLock { state in
            NodeStatusReport(appliedRelease: loaded?.release,
                             appliedRole: loaded.flatMap { $0.stale ? nil : state.target?.role(of: $0.release) },
                             stale: loaded?.stale ?? false,
                             errorRelease: state.errorRelease, error: state.lastError)
        }
    }

    /// Writes the status row; registers when the row is missing (e.g. the node started
    /// offline). Failures are logged: status is best effort, serving is not affected.
    /// Returns whether the write reached the database.
    @discardableResult
    func writeStatus(stopped: Bool) async -> Bool {
        let report = statusReport()
        do {
            try await queries.run { [configuration, instance] session in
                let updated = try await session.heartbeat(name: configuration.name, instance: instance,
                                                          report: report, stopped: stopped)
                if updated && !stopped { await self.reportCallMetrics(session) }
                if !updated && !stopped {
                    // Never registered (offline start) or the row was taken: take it back
                    // only from a stopped or silent instance.
                    let registered = try await session.register(
                        name: configuration.name, instance: instance, host: Self.host, pid: Self.pid,
                        channel: configuration.channel, report: report, force: false,
                        liveFor: configuration.heartbeatInterval * 3)
                    if !registered {
                        logger.warning("another running node uses the name '\(configuration.name)'; not overwriting its status")
                    }
                }
            }
        } catch {
            logger.debug("status heartbeat failed", metadata: ["error": "\(error)"])
            return false
        }
        return true
    }

    /// The machine and process the status row names.
    static var host: String { ProcessInfo.processInfo.hostName }
    static var pid: Int { Int(ProcessInfo.processInfo.processIdentifier) }

    /// Records the clean stop. Runs in its own task so that it completes even when the
    /// node's task was cancelled (cancellation would abort the statement).
    private func markStopped() async {
        state.withLock { $0.listening = false }
        await Task {
            // The stop may have cut a heartbeat short and left the connection unusable: one
            // more try on a fresh connection before `hotload status` is left saying running.
            if await !writeStatus(stopped: true) {
                await queries.close()
                if await !writeStatus(stopped: true) {
                    logger.warning("could not record the stop in the status table; it shows this node as running until its heartbeat goes stale")
                }
            }
            await queries.close()
        }.value
    }
}
