import Foundation
import Synchronization

/// Runs evaluations on threads of its own, at most `threads` at once, with at most
/// `queueLimit` waiting.
///
/// A CEL evaluation cannot be preempted and may run for as long as its cost budget allows.
/// Run on Swift's cooperative pool (one thread per core), a handful of slow requests would
/// hold every thread and starve the node's sync, heartbeat and listener tasks and every
/// other route. Here they hold only these threads; the requests themselves just await.
/// Threads are started on demand and end after a second without work.
final class EvaluationPool: @unchecked Sendable {
    /// How a submission ended.
    enum Outcome<T: Sendable>: Sendable {
        case done(T)
        /// Every thread was busy and the queue full.
        case busy
        /// Still queued at the deadline.
        case timedOut
    }

    // NSCondition, not Mutex: idle pool threads (our own threads, never cooperative ones)
    // block until a job arrives or `linger` passes, which takes a condition variable;
    // Synchronization has none. `@unchecked Sendable`: the three vars are guarded by it.
    private let condition = NSCondition()
    private var queue: [Job] = []
    private var threadCount = 0
    private var busy = 0

    let threads: Int
    let queueLimit: Int
    /// How long an idle thread waits for work before it ends.
    private static let linger: TimeInterval = 1

    init(threads: Int, queueLimit: Int) {
        self.threads = max(1, threads)
        self.queueLimit = max(0, queueLimit)
    }

    /// Runs `work` on a pool thread unless the pool is saturated, or the deadline passes
    /// before a thread takes it.
    func run<T: Sendable>(deadline: ContinuousClock.Instant, _ work: @escaping @Sendable () -> T) async -> Outcome<T> {
        await withCheckedContinuation { (continuation: CheckedContinuation<Outcome<T>, Never>) in
            let job = Job(start: { continuation.resume(returning: .done(work())) },
                          expire: { continuation.resume(returning: .timedOut) })
            switch enqueue(job) {
            case .refused:
                continuation.resume(returning: .busy)
                return
            case .startsNow:
                return
            case .waits:
                break
            }
            let timer = Task {
                try? await Task.sleep(until: deadline)
                if !Task.isCancelled, job.claim() {
                    self.remove(job)
                    job.expire()
                }
            }
            job.timer.withLock { $0 = timer }
        }
    }

    private enum Admission { case refused, startsNow, waits }

    /// Queues `job` unless the pool is saturated. A job that a free thread takes at once
    /// needs no deadline timer (creating one costs more than the hand-over itself).
    private func enqueue(_ job: Job) -> Admission {
        condition.lock()
        defer { condition.unlock() }
        guard queue.count < queueLimit + (threads - busy) else { return .refused }
        queue.append(job)
        let admission: Admission = queue.count <= threads - busy ? .startsNow : .waits
        if threadCount < threads, queue.count > threadCount - busy {
            threadCount += 1
            let thread = Thread { [self] in work() }
            thread.name = "hotload-eval"
            thread.stackSize = 8 << 20
            thread.start()
        }
        condition.signal()
        return admission
    }

    private func remove(_ job: Job) {
        condition.lock()
        queue.removeAll { $0 === job }
        condition.unlock()
    }

    /// A pool thread: takes jobs until none comes for `linger`.
    private func work() {
        condition.lock()
        while true {
            if queue.isEmpty {
                _ = condition.wait(until: Date(timeIntervalSinceNow: Self.linger))
                if queue.isEmpty {
                    threadCount -= 1
                    condition.unlock()
                    return
                }
                continue
            }
            let job = queue.removeFirst()
            busy += 1
            condition.unlock()
            if job.claim() {
                job.timer.withLock { $0?.cancel() }
                job.start()
            }
            condition.lock()
            busy -= 1
        }
    }

    /// One submission; `claim()` decides once whether it runs or expires.
    private final class Job: Sendable {
        let start: @Sendable () -> Void
        let expire: @Sendable () -> Void
        let timer = Mutex<Task<Void, Never>?>(nil)
        private let claimed = Atomic<Bool>(false)

        init(start: @escaping @Sendable () -> Void, expire: @escaping @Sendable () -> Void) {
            self.start = start
            self.expire = expire
        }

        /// True for the first caller only.
        func claim() -> Bool {
            claimed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        }
    }
}
