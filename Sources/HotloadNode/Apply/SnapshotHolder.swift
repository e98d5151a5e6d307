#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Holds the current value (the loaded release) so that readers — every call — take
/// no lock, while a swap replaces it in one atomic step.
///
/// Why not simpler schemes:
/// - a `Mutex` around the reference would put a lock on the call path;
/// - an `Atomic` raw pointer with manual retain has a use-after-free race: a reader can
///   load the pointer, be preempted, and retain it after the writer released the object.
///
/// This is the *left-right* scheme: two slots, an atomic index of the active slot and an
/// atomic reader count per slot. A reader announces itself on the active slot's count,
/// re-checks that the slot is still active, copies the reference (a retain) and leaves;
/// it never waits for a writer. A writer (rare: once per release) fills the inactive slot
/// only once no reader is announced on it, publishes it by flipping the index, then waits
/// for the old slot's announced readers — each a few instructions long — before dropping
/// its reference. Readers keep their own strong reference for the whole call, so calls in
/// flight finish on the snapshot they started with, and the old one is freed after the
/// last of them.
///
/// Memory ordering: all atomics are sequentially consistent. A writer touches a slot only
/// after observing its count at zero while the index points elsewhere; a reader touches a
/// slot only after announcing itself and then observing the index on that slot. In the
/// single total order one of the two observations must see the other's write, so a slot
/// is never written while a reader copies it.
package final class SnapshotHolder<Object: AnyObject & Sendable>: @unchecked Sendable {
    // @unchecked Sendable: `slots` is plain memory whose accesses are ordered by the
    // atomics above (see the type's documentation); writers are serialised by `writer`.
    private let active = Atomic<Int>(0)
    private let readers0 = Atomic<Int>(0)
    private let readers1 = Atomic<Int>(0)
    private let slots: UnsafeMutablePointer<Object?>
    private let writer = Mutex<Void>(())

    package init(_ initial: Object? = nil) {
        slots = .allocate(capacity: 2)
        slots.initialize(to: initial)
        (slots + 1).initialize(to: nil)
    }

    deinit {
        slots.deinitialize(count: 2)
        slots.deallocate()
    }

    private func readers(_ slot: Int) -> Int {
        slot == 0 ? readers0.load(ordering: .sequentiallyConsistent) : readers1.load(ordering: .sequentiallyConsistent)
    }

    private func announce(_ slot: Int, _ delta: Int) {
        if slot == 0 {
            readers0.wrappingAdd(delta, ordering: .sequentiallyConsistent)
        } else {
            readers1.wrappingAdd(delta, ordering: .sequentiallyConsistent)
        }
    }

    /// The current value. Lock-free: never waits for a writer.
    package func load() -> Object? {
        while true {
            let slot = active.load(ordering: .sequentiallyConsistent)
            announce(slot, 1)
            if active.load(ordering: .sequentiallyConsistent) == slot {
                let value = slots[slot]
                announce(slot, -1)
                return value
            }
            // A writer flipped the index meanwhile: retry on the new active slot.
            announce(slot, -1)
        }
    }

    /// Replaces the value; returns the previous one. Readers that already loaded the
    /// previous value keep it until they drop it.
    @discardableResult
    package func store(_ value: Object?) -> Object? {
        writer.withLock { _ in
            let current = active.load(ordering: .sequentiallyConsistent)
            let next = 1 - current
            waitForReaders(next)
            slots[next] = value
            active.store(next, ordering: .sequentiallyConsistent)
            waitForReaders(current)
            let previous = slots[current]
            slots[current] = nil
            return previous
        }
    }

    /// Spins until no reader is announced on `slot`; readers stay announced only for the
    /// length of a retain, so this is short unless a reader thread was preempted.
    private func waitForReaders(_ slot: Int) {
        var spins = 0
        while readers(slot) != 0 {
            spins += 1
            if spins > 64 {
                sched_yield()
                spins = 0
            }
        }
    }
}
