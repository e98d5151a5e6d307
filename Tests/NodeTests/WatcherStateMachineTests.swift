import Testing
@testable import HotloadNode

@Suite struct WatcherStateMachineTests {
    typealias M = WatcherStateMachine

    /// A machine that is listening on generation 1 with no sync running.
    func listening() -> M {
        var machine = M(backoff: Backoff(initial: .milliseconds(100), cap: .seconds(1)))
        #expect(machine.handle(.start) == [.connect(generation: 1), .sync])
        #expect(machine.handle(.connected(generation: 1)) == [.listen(generation: 1)])
        #expect(machine.handle(.subscribed(generation: 1)) == [])  // a sync is already running: coalesced
        #expect(machine.handle(.syncFinished) == [.sync])            // the coalesced resync
        #expect(machine.handle(.syncFinished) == [])
        #expect(machine.listener == .listening(generation: 1))
        #expect(machine.sync == .idle)
        return machine
    }

    @Test func startConnectsListensAndLoadsTheHead() {
        _ = listening()
    }

    @Test func notificationsAndPollTicksRereadTheHead() {
        var machine = listening()
        #expect(machine.handle(.notification) == [.sync])
        #expect(machine.handle(.syncFinished) == [])
        #expect(machine.handle(.pollTick) == [.sync])
        #expect(machine.handle(.syncFinished) == [])
    }

    @Test func aBurstDuringASyncCostsOneMoreSync() {
        var machine = listening()
        #expect(machine.handle(.notification) == [.sync])
        for _ in 0..<10 { #expect(machine.handle(.notification) == []) }
        #expect(machine.handle(.pollTick) == [])
        #expect(machine.handle(.syncFinished) == [.sync])
        #expect(machine.handle(.syncFinished) == [])
        #expect(machine.sync == .idle)
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
        #expect(machine.handle(.subscribed(generation: 3)) == [.sync])
        #expect(machine.backoff.failures == 0)
        #expect(machine.handle(.syncFinished) == [])
        #expect(machine.handle(.connectionLost(generation: 3), unitRandom: 1)
                == [.close(generation: 3), .scheduleReconnect(generation: 3, delay: .milliseconds(100))])
    }

    @Test func pollingContinuesWhileDisconnected() {
        var machine = listening()
        _ = machine.handle(.connectionLost(generation: 1))
        #expect(machine.handle(.pollTick) == [.sync])
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
}
