import Foundation
import Synchronization

/// Runs `body` on a new thread with a small stack (512 KiB unless told), the way hostile
/// input must be survivable on any thread a host might use, and waits for its result at
/// most `timeout`: nil means it did not finish in time (a hang). A stack overflow crashes
/// the test process, which is the failure these tests exist to catch.
func onSmallStack<T: Sendable>(stackSize: Int = 512 << 10, timeout: Duration = .seconds(20),
                               _ body: @escaping @Sendable () -> T) async -> T? {
    let outcome = FirstOutcome<T?>()
    return await withCheckedContinuation { (waiter: CheckedContinuation<T?, Never>) in
        outcome.wait(waiter)
        let thread = Thread { outcome.finish(body()) }
        thread.stackSize = stackSize
        thread.start()
        Task {
            try? await Task.sleep(for: timeout)
            outcome.finish(nil)
        }
    }
}

/// Resumes a continuation with whichever result comes first.
private final class FirstOutcome<T: Sendable>: Sendable {
    private let state = Mutex<(done: Bool, waiter: CheckedContinuation<T, Never>?)>((false, nil))

    func wait(_ waiter: CheckedContinuation<T, Never>) {
        state.withLock { $0.waiter = waiter }
    }

    func finish(_ result: T) {
        let waiter = state.withLock { state -> CheckedContinuation<T, Never>? in
            guard !state.done else { return nil }
            state.done = true
            return state.waiter
        }
        waiter?.resume(returning: result)
    }
}
