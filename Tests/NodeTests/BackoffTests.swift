import Testing
@testable import HotloadNode

@Suite struct BackoffTests {
    @Test func doublesUpToTheCapWithEqualJitter() {
        var backoff = Backoff(initial: .milliseconds(100), cap: .seconds(1))
        #expect(backoff.nextDelay(unitRandom: 1) == .milliseconds(100))
        #expect(backoff.nextDelay(unitRandom: 1) == .milliseconds(200))
        #expect(backoff.nextDelay(unitRandom: 0) == .milliseconds(200))  // half of 400
        #expect(backoff.nextDelay(unitRandom: 1) == .milliseconds(800))
        #expect(backoff.nextDelay(unitRandom: 1) == .seconds(1))
        for _ in 0..<100 { _ = backoff.nextDelay(unitRandom: 1) }
        #expect(backoff.nextDelay(unitRandom: 1) == .seconds(1))
        #expect(backoff.nextDelay(unitRandom: 0) == .milliseconds(500))
    }

    @Test func resetStartsOver() {
        var backoff = Backoff(initial: .milliseconds(10), cap: .seconds(5))
        for _ in 0..<5 { _ = backoff.nextDelay(unitRandom: 1) }
        backoff.reset()
        #expect(backoff.failures == 0)
        #expect(backoff.nextDelay(unitRandom: 1) == .milliseconds(10))
    }

    @Test func jitterStaysInRangeForOddInputs() {
        var backoff = Backoff(initial: .milliseconds(10), cap: .milliseconds(10))
        for random in [-3.0, 0.25, 7.0, .nan, .infinity] {
            let delay = backoff.nextDelay(unitRandom: random)
            #expect(delay >= .milliseconds(5) && delay <= .milliseconds(10))
        }
    }

    @Test func capNeverBelowInitial() {
        let backoff = Backoff(initial: .seconds(2), cap: .seconds(1))
        #expect(backoff.cap == .seconds(2))
    }
}
