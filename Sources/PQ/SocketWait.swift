import Dispatch
import Foundation

/// How a wait on a socket ended.
enum SocketEvent: Sendable, Equatable {
    /// The socket became readable or writable.
    case ready
    /// The deadline passed first.
    case timedOut
    /// The waiting task was cancelled.
    case cancelled
    /// Someone else ended the wait (the connection is closing, or another operation needs it).
    case interrupted
}

/// One wait for a socket to become readable and/or writable, without blocking a thread.
///
/// Dispatch sources watch the socket (and a timer the deadline); whichever fires first ends
/// the wait, as may task cancellation or `interrupt()`. All sources are cancelled and the
/// caller resumes only after their cancellation handlers ran, so the socket may be closed as
/// soon as `wait` returns. The continuation is resumed exactly once.
final class SocketWait: @unchecked Sendable {
    // @unchecked: all mutable state is guarded by `lock`.
    private let lock = NSLock()
    private var continuation: CheckedContinuation<SocketEvent, Never>?
    private var outcome: SocketEvent?
    private var sources: [any DispatchSourceProtocol] = []
    private var pendingCancellations = 0

    /// One serial queue for every source's handlers; each handler only takes a lock.
    private static let queue = DispatchQueue(label: "PQ.socket-wait")

    /// Waits until `socket` is readable (`read`) or writable (`write`), the deadline passes,
    /// the task is cancelled, or `interrupt()` is called.
    func wait(socket: Int32, read: Bool, write: Bool, deadline: ContinuousClock.Instant?) async -> SocketEvent {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<SocketEvent, Never>) in
                start(continuation, socket: socket, read: read, write: write, deadline: deadline)
            }
        } onCancel: {
            finish(.cancelled)
        }
    }

    /// Ends the wait with `.interrupted` (no effect when it already ended).
    func interrupt() {
        finish(.interrupted)
    }

    private func start(
        _ continuation: CheckedContinuation<SocketEvent, Never>, socket: Int32, read: Bool, write: Bool,
        deadline: ContinuousClock.Instant?
    ) {
        lock.lock()
        if let outcome {
            // Cancelled or interrupted before the wait began.
            lock.unlock()
            continuation.resume(returning: outcome)
            return
        }
        self.continuation = continuation
        var created: [any DispatchSourceProtocol] = []
        if read {
            created.append(DispatchSource.makeReadSource(fileDescriptor: socket, queue: Self.queue))
        }
        if write {
            created.append(DispatchSource.makeWriteSource(fileDescriptor: socket, queue: Self.queue))
        }
        for source in created {
            source.setEventHandler { [self] in finish(.ready) }
        }
        if let deadline {
            let timer = DispatchSource.makeTimerSource(queue: Self.queue)
            timer.schedule(deadline: .now() + Self.dispatchInterval(until: deadline))
            timer.setEventHandler { [self] in finish(.timedOut) }
            created.append(timer)
        }
        for source in created {
            source.setCancelHandler { [self] in sourceCancelled() }
        }
        sources = created
        pendingCancellations = created.count
        lock.unlock()
        for source in created {
            source.activate()
        }
    }

    private func finish(_ event: SocketEvent) {
        lock.lock()
        guard outcome == nil else {
            lock.unlock()
            return
        }
        outcome = event
        let toCancel = sources
        sources = []
        let ready = takeIfComplete()
        lock.unlock()
        for source in toCancel {
            source.cancel()
        }
        ready?.continuation.resume(returning: ready?.event ?? event)
    }

    private func sourceCancelled() {
        lock.lock()
        pendingCancellations -= 1
        let ready = takeIfComplete()
        lock.unlock()
        if let ready {
            ready.continuation.resume(returning: ready.event)
        }
    }

    /// The continuation and outcome, once the wait ended and every source is torn down.
    /// Call with `lock` held.
    private func takeIfComplete() -> (continuation: CheckedContinuation<SocketEvent, Never>, event: SocketEvent)? {
        guard let outcome, pendingCancellations == 0, let continuation else { return nil }
        self.continuation = nil
        return (continuation, outcome)
    }

    /// The time from now until `deadline`, clamped to [0, 1 day].
    private static func dispatchInterval(until deadline: ContinuousClock.Instant) -> DispatchTimeInterval {
        let remaining = ContinuousClock.now.duration(to: deadline)
        guard remaining > .zero else { return .nanoseconds(0) }
        guard remaining < .seconds(86_400) else { return .seconds(86_400) }
        let (seconds, attoseconds) = remaining.components
        return .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
    }
}
