import Synchronization

/// Tells whoever waits that the node passed its start checks (configuration, trust file,
/// database or cached release), so that what serves the node (an HTTP server) starts only
/// then: a node that cannot start fails before anything else has begun.
final class StartSignal: Sendable {
    private struct State {
        var started = false
        var waiters: [UInt64: CheckedContinuation<Void, any Error>] = [:]
        var next: UInt64 = 0
    }

    private enum Now {
        case started, cancelled, later
    }

    private let state = Mutex(State())

    /// Marks the node started and resumes every waiter.
    func fire() {
        let waiters = state.withLock { state in
            state.started = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the node started; throws `CancellationError` when the waiting task is
    /// cancelled first (the node failed to start and its service group is shutting down).
    func wait() async throws {
        let id = state.withLock { state -> UInt64 in
            state.next += 1
            return state.next
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let now = state.withLock { state -> Now in
                    if state.started { return .started }
                    if Task.isCancelled { return .cancelled }
                    state.waiters[id] = continuation
                    return .later
                }
                switch now {
                case .started: continuation.resume()
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .later: break
                }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }
}
