import Foundation
import Glibc
internal import CEpoll

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
/// The process's `Reactor` watches the socket and the deadline; whichever comes first ends
/// the wait, as may task cancellation or `interrupt()`. The continuation is resumed exactly
/// once. Nothing stays registered that needs the socket, so the socket may be closed as
/// soon as `wait` returns.
final class SocketWait: @unchecked Sendable {
    // @unchecked: the `let`s never change; the rest is guarded by `lock`.
    private let lock = NSLock()
    private var continuation: CheckedContinuation<SocketEvent, Never>?
    private var outcome: SocketEvent?

    let socket: Int32
    let deadline: ContinuousClock.Instant?
    /// `EPOLLIN`/`EPOLLOUT` bits.
    let interest: UInt32
    /// `POLLIN`/`POLLOUT` bits, to check a report.
    let pollInterest: Int32

    /// A wait until `socket` is readable (`read`) or writable (`write`), or `deadline`.
    init(socket: Int32, read: Bool, write: Bool, deadline: ContinuousClock.Instant?) {
        self.socket = socket
        self.deadline = deadline
        interest = (read ? EPOLLIN.rawValue : 0) | (write ? EPOLLOUT.rawValue : 0)
        pollInterest = (read ? Int32(POLLIN) : 0) | (write ? Int32(POLLOUT) : 0)
    }

    /// Waits until the socket is ready, the deadline passes, the task is cancelled, or
    /// `interrupt()` is called. Use each `SocketWait` once. Throws only when the process
    /// cannot wait on sockets at all (see `Reactor.shared`).
    func wait() async throws(PQError) -> SocketEvent {
        let reactor = try Reactor.shared.get()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<SocketEvent, Never>) in
                lock.lock()
                if let outcome {
                    // Cancelled or interrupted before the wait began.
                    lock.unlock()
                    continuation.resume(returning: outcome)
                    return
                }
                self.continuation = continuation
                lock.unlock()
                reactor.register(self)
            }
        } onCancel: {
            finish(.cancelled)
        }
    }

    /// Ends the wait with `.interrupted` (no effect when it already ended).
    func interrupt() {
        finish(.interrupted)
    }

    /// Ends the wait with `event` unless it already ended; called by the reactor, by
    /// cancellation and by `interrupt()`.
    func finish(_ event: SocketEvent) {
        lock.lock()
        guard outcome == nil else {
            lock.unlock()
            return
        }
        outcome = event
        let continuation = self.continuation
        self.continuation = nil
        lock.unlock()
        if let continuation {
            if case .success(let reactor) = Reactor.shared { reactor.forget(self) }
            continuation.resume(returning: event)
        }
    }
}
