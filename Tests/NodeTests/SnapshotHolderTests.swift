import Foundation
import Synchronization
import Testing
@testable import HotloadNode

@Suite struct SnapshotHolderTests {
    /// A value whose two fields must always agree, to detect a torn or freed read.
    final class Pair: Sendable {
        let a: Int
        let b: Int
        init(_ n: Int) { a = n; b = n &* 7 }
    }

    final class Counted: Sendable {
        static let live = Atomic<Int>(0)
        init() { Counted.live.wrappingAdd(1, ordering: .relaxed) }
        deinit { Counted.live.wrappingSubtract(1, ordering: .relaxed) }
    }

    final class Flags: Sendable {
        let bad = Atomic<Int>(0)
        let done = Atomic<Bool>(false)
    }

    @Test func loadReturnsTheLastStore() {
        let holder = SnapshotHolder<Pair>()
        #expect(holder.load() == nil)
        holder.store(Pair(1))
        #expect(holder.load()?.a == 1)
        let previous = holder.store(Pair(2))
        #expect(previous?.a == 1)
        #expect(holder.load()?.a == 2)
    }

    @Test func oldValuesAreReleasedOnceNoReaderHoldsThem() {
        let before = Counted.live.load(ordering: .relaxed)
        let holder = SnapshotHolder<Counted>()
        do {
            holder.store(Counted())
            let kept = holder.load()
            holder.store(Counted())
            holder.store(Counted())
            #expect(kept != nil)
            #expect(Counted.live.load(ordering: .relaxed) == before + 2)  // the kept one and the current one
        }
        holder.store(nil)
        #expect(Counted.live.load(ordering: .relaxed) == before)
    }

    /// Readers on their own threads (not the cooperative pool, which busy readers would
    /// starve) while a writer swaps 20 000 times.
    @Test func readersDuringManySwapsSeeWholeValues() async {
        let holder = SnapshotHolder<Pair>(Pair(0))
        let swaps = 20_000
        let flags = Flags()
        let readers = (0..<3).map { _ in
            Task {
                await onThread {
                    var last = 0
                    while !flags.done.load(ordering: .relaxed) {
                        guard let pair = holder.load() else { flags.bad.wrappingAdd(1, ordering: .relaxed); continue }
                        if pair.b != pair.a &* 7 || pair.a < last { flags.bad.wrappingAdd(1, ordering: .relaxed) }
                        last = pair.a
                    }
                }
            }
        }
        for n in 1...swaps { holder.store(Pair(n)) }
        flags.done.store(true, ordering: .relaxed)
        for reader in readers { await reader.value }
        #expect(flags.bad.load(ordering: .relaxed) == 0)
        #expect(holder.load()?.a == swaps)
    }
}
