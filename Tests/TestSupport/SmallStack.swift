import Foundation
import Synchronization

/// Runs `body` on a new thread with a small stack (512 KiB unless told), the way hostile
/// input must be survivable on any thread a host might use, and waits for its result at
/// most `timeout`: nil means it did not finish in time (a hang). A stack overflow crashes
/// the test process, which is the failure these tests exist to catch.
///
/// Such bodies are CPU-heavy. They run one at a time (`heavyWork`), so that they never hold
/// more than one of the machine's cores and the test runner's cooperative threads, on which
/// the database and node tests wait for sockets and timers, keep a core. The timeout counts
/// from the moment the body starts.
public func onSmallStack<T: Sendable>(stackSize: Int = 512 << 10, timeout: Duration = .seconds(20),
                                      _ body: @escaping @Sendable () -> T) async -> T? {
    await heavyWork.acquire()
    let outcome = FirstOutcome<T?>()
    return await withCheckedContinuation { (waiter: CheckedContinuation<T?, Never>) in
        outcome.wait(waiter)
        let thread = Thread { if outcome.finish(body()) { heavyWork.release() } }
        thread.stackSize = stackSize
        thread.start()
        Task {
            try? await Task.sleep(for: timeout)
            // A body that hangs gives its permit up, so that the tests after it still run.
            if outcome.finish(nil) { heavyWork.release() }
        }
    }
}

/// One permit for CPU-heavy test bodies.
private let heavyWork = Permits(1)

/// A counting semaphore whose waiters suspend instead of blocking a thread.
private final class Permits: Sendable {
    private let state: Mutex<(free: Int, waiters: [CheckedContinuation<Void, Never>])>

    init(_ count: Int) { state = Mutex((count, [])) }

    func acquire() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state -> Bool in
                guard state.free > 0 else {
                    state.waiters.append(waiter)
                    return false
                }
                state.free -= 1
                return true
            }
            if granted { waiter.resume() }
        }
    }

    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiters.isEmpty else {
                state.free += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}

/// Resumes a continuation with whichever result comes first.
private final class FirstOutcome<T: Sendable>: Sendable {
    private let state = Mutex<(done: Bool, waiter: CheckedContinuation<T, Never>?)>((false, nil))

    func wait(_ waiter: CheckedContinuation<T, Never>) {
        state.withLock { $0.waiter = waiter }
    }

    /// Resumes the waiter with `result` if nothing finished before; true if this call did.
    @discardableResult
    func finish(_ result: T) -> Bool {
        let waiter = state.withLock { state -> CheckedContinuation<T, Never>?? in
            guard !state.done else { return nil }
            state.done = true
            return .some(state.waiter)
        }
        guard let waiter else { return false }
        waiter?.resume(returning: result)
        return true
    }
}
