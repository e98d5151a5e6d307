import Glibc
import Synchronization
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
final class SocketWait: Sendable {
    private struct State {
        var continuation: CheckedContinuation<SocketEvent, Never>?
        /// Set once, by whichever of readiness, deadline, cancellation or `interrupt()` came first.
        var outcome: SocketEvent?
    }
    private let state = Mutex(State())

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
                let early: SocketEvent? = state.withLock { state in
                    if let outcome = state.outcome { return outcome }
                    state.continuation = continuation
                    return nil
                }
                if let early {
                    // Cancelled or interrupted before the wait began.
                    continuation.resume(returning: early)
                } else {
                    reactor.register(self)
                }
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
        let continuation: CheckedContinuation<SocketEvent, Never>? = state.withLock { state in
            guard state.outcome == nil else { return nil }
            state.outcome = event
            return state.continuation.take()
        }
        if let continuation {
            if case .success(let reactor) = Reactor.shared { reactor.forget(self) }
            continuation.resume(returning: event)
        }
    }
}
