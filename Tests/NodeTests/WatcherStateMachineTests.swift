import Testing
@testable import HotloadNode

@Suite struct WatcherStateMachineTests {
    typealias M = WatcherStateMachine

    static let interval = Duration.milliseconds(100)
    /// What starting a sync asks for: the head read and the timer that spaces head reads.
    static let startSync: [M.Action] = [.sync, .armSyncTimer(delay: interval)]

    /// A machine that is listening on generation 1 with no sync running and no timer armed.
    func listening() -> M {
        var machine = M(backoff: Backoff(initial: .milliseconds(100), cap: .seconds(1)), minSyncInterval: Self.interval)
        #expect(machine.handle(.start) == [.connect(generation: 1)] + Self.startSync)
        #expect(machine.handle(.connected(generation: 1)) == [.listen(generation: 1)])
        #expect(machine.handle(.subscribed(generation: 1)) == [])  // a sync is already running: coalesced
        #expect(machine.handle(.syncFinished) == [])                 // the timer is still armed
        #expect(machine.handle(.syncTimerFired) == Self.startSync)   // the coalesced resync
        #expect(machine.handle(.syncFinished) == [])
        #expect(machine.handle(.syncTimerFired) == [])
        #expect(machine.listener == .listening(generation: 1))
        #expect(machine.sync == .idle)
        return machine
    }

    /// Ends the running sync and lets its timer fire; nothing else is pending.
    func settle(_ machine: inout M) {
        #expect(machine.handle(.syncFinished) == [])
        #expect(machine.handle(.syncTimerFired) == [])
        #expect(machine.sync == .idle)
    }

    @Test func startConnectsListensAndLoadsTheHead() {
        _ = listening()
    }

    @Test func notificationsAndPollTicksRereadTheHead() {
        var machine = listening()
        #expect(machine.handle(.notification) == Self.startSync)
        settle(&machine)
        #expect(machine.handle(.pollTick) == Self.startSync)
        settle(&machine)
    }

    @Test func aBurstDuringASyncCostsOneMoreSync() {
        var machine = listening()
        #expect(machine.handle(.notification) == Self.startSync)
        for _ in 0..<10 { #expect(machine.handle(.notification) == []) }
        #expect(machine.handle(.pollTick) == [])
        #expect(machine.handle(.syncFinished) == [])
        #expect(machine.handle(.syncTimerFired) == Self.startSync)
        settle(&machine)
    }

    /// Any role may NOTIFY: a flood costs one head read per timer interval, however many
    /// notifications arrive and whether the syncs are fast or slow.
    @Test func aFloodCostsAtMostOneSyncPerInterval() {
        var machine = listening()
        var syncs = 0
        var running = false
        for interval in 0..<50 {
            for n in 0..<1_000 {
                let actions = machine.handle(n % 100 == 99 ? .pollTick : .notification)
                if actions.contains(.sync) {
                    #expect(!running, "a sync started while one was running")
                    running = true
                    syncs += 1
                }
                // Slow syncs finish in every other interval, fast ones at once.
                if running, interval % 2 == 0 || n == 0 {
                    running = false
                    #expect(!machine.handle(.syncFinished).contains(.sync), "a sync started before the timer fired")
                }
            }
            if running {
                running = false
                let actions = machine.handle(.syncFinished)
                if actions.contains(.sync) { running = true; syncs += 1 }
            }
            let actions = machine.handle(.syncTimerFired)
            if actions.contains(.sync) {
                #expect(!running)
                running = true
                syncs += 1
            }
        }
        #expect(syncs <= 51)
        #expect(syncs >= 25)
    }

    /// The last notification of a flood (the real release) is never dropped: a sync that
    /// starts after it is always still to come.
    @Test func aRequestDuringTheIntervalIsServedWhenItEnds() {
        var machine = listening()
        #expect(machine.handle(.notification) == Self.startSync)
        #expect(machine.handle(.syncFinished) == [])
        #expect(machine.handle(.notification) == [])  // inside the interval: waits
        #expect(machine.sync.pending)
        #expect(machine.handle(.syncTimerFired) == Self.startSync)
        // And while the sync of a fired timer is still running, the request waits for it.
        #expect(machine.handle(.syncTimerFired) == [])
        #expect(machine.handle(.notification) == [])
        #expect(machine.handle(.syncFinished) == Self.startSync)
        settle(&machine)
    }

    @Test func lostConnectionBacksOffAndResyncsAfterReconnect() {
        var machine = listening()
        #expect(machine.handle(.connectionLost(generation: 1), unitRandom: 1)
                == [.close(generation: 1), .scheduleReconnect(generation: 1, delay: .milliseconds(100))])
        #expect(machine.listener == .waitingToReconnect(generation: 1))
        #expect(machine.handle(.reconnectTimerFired(generation: 1)) == [.connect(generation: 2)])
        // The new attempt fails too: the delay doubles.
        #expect(machine.handle(.connectionLost(generation: 2), unitRandom: 1)
                == [.close(generation: 2), .scheduleReconnect(generation: 2, delay: .milliseconds(200))])
        #expect(machine.handle(.reconnectTimerFired(generation: 2)) == [.connect(generation: 3)])
        #expect(machine.handle(.connected(generation: 3)) == [.listen(generation: 3)])
        // LISTEN in place: backoff resets, and the head is re-read (NOTIFYs were missed).
        #expect(machine.handle(.subscribed(generation: 3)) == Self.startSync)
        #expect(machine.backoff.failures == 0)
        settle(&machine)
        #expect(machine.handle(.connectionLost(generation: 3), unitRandom: 1)
                == [.close(generation: 3), .scheduleReconnect(generation: 3, delay: .milliseconds(100))])
    }

    @Test func pollingContinuesWhileDisconnected() {
        var machine = listening()
        _ = machine.handle(.connectionLost(generation: 1))
        #expect(machine.handle(.pollTick) == Self.startSync)
    }

    @Test func staleEventsFromOldConnectionsAreIgnored() {
        var machine = listening()
        _ = machine.handle(.connectionLost(generation: 1))
        _ = machine.handle(.reconnectTimerFired(generation: 1))
        #expect(machine.handle(.connectionLost(generation: 1)) == [])
        #expect(machine.handle(.subscribed(generation: 1)) == [])
        #expect(machine.handle(.reconnectTimerFired(generation: 1)) == [])
        // A connection that completes for a superseded attempt is closed.
        #expect(machine.handle(.connected(generation: 1)) == [.close(generation: 1)])
        #expect(machine.listener == .connecting(generation: 2))
    }

    @Test func shutdownClosesAndIgnoresEverythingAfter() {
        var machine = listening()
        #expect(machine.handle(.shutdown) == [.close(generation: 1)])
        #expect(machine.listener == .stopped)
        #expect(machine.handle(.notification) == [])
        #expect(machine.handle(.start) == [])
        #expect(machine.handle(.connected(generation: 1)) == [])
    }

    @Test func startTwiceDoesNothing() {
        var machine = M()
        _ = machine.handle(.start)
        #expect(machine.handle(.start) == [])
    }

    // MARK: - Listener-less (`listens: false`): the poll alone drives the syncs.

    func pollingOnly() -> M {
        var machine = M(backoff: Backoff(initial: .milliseconds(100), cap: .seconds(1)), minSyncInterval: Self.interval,
                        listens: false)
        // No connection, no LISTEN: only the initial head read.
        #expect(machine.handle(.start) == Self.startSync)
        #expect(machine.listener == .disabled)
        settle(&machine)
        return machine
    }

    @Test func aListenerLessMachineOnlyPollsAndNeverConnects() {
        var machine = pollingOnly()
        for _ in 0..<3 {
            #expect(machine.handle(.pollTick) == Self.startSync)
            settle(&machine)
        }
        // A tick while a sync runs is served once the sync and its interval are over.
        #expect(machine.handle(.pollTick) == Self.startSync)
        #expect(machine.handle(.pollTick) == [])
        #expect(machine.handle(.syncFinished) == [])
        #expect(machine.handle(.syncTimerFired) == Self.startSync)
        settle(&machine)
        #expect(machine.handle(.pinExpired) == Self.startSync)
        settle(&machine)
        #expect(machine.listener == .disabled)
    }

    @Test func aListenerLessMachineIgnoresListenerEvents() {
        var machine = pollingOnly()
        // A connection it never asked for is closed; nothing else starts a connection.
        #expect(machine.handle(.connected(generation: 1)) == [.close(generation: 1)])
        #expect(machine.handle(.subscribed(generation: 1)) == [])
        #expect(machine.handle(.connectionLost(generation: 1)) == [])
        #expect(machine.handle(.reconnectTimerFired(generation: 1)) == [])
        #expect(machine.listener == .disabled)
        #expect(machine.backoff.failures == 0)
        #expect(machine.sync == .idle)
    }

    @Test func aListenerLessMachineShutsDownWithoutClosingAnything() {
        var machine = pollingOnly()
        #expect(machine.handle(.shutdown) == [])
        #expect(machine.listener == .stopped)
        #expect(machine.handle(.pollTick) == [])
    }
}
