#if os(Linux)
import Foundation
import Glibc
import Synchronization
internal import CEpoll
#else
#error("PQ waits on sockets with epoll and builds on Linux only")
#endif

/// Waits on every connection's socket of the process with one epoll instance and one thread.
///
/// A wait arms its socket once (`EPOLLONESHOT`, a single `epoll_ctl`), and the reactor
/// thread resumes the waiting task as soon as the kernel reports the socket. Nothing is
/// created or torn down per wait. This matters when a fleet of nodes in one process wakes
/// on the same NOTIFY: a Dispatch source per wait cost several system calls and thread
/// hops each (registration through Dispatch's manager thread, a handler queue, the
/// cancellation round trip), which profiling showed to be most of the process's CPU.
///
/// Deadlines are kept here too: the thread sleeps in `epoll_wait` until the earliest one.
/// An event is checked with a zero-timeout `poll` before it ends a wait, so a report about
/// a socket number that was closed and reused in the meantime never wakes the new owner.
final class Reactor: Sendable {

    /// The process's reactor, started on first use; an error when the kernel refused the
    /// epoll instance or the wake-up descriptor (out of file descriptors).
    static let shared: Result<Reactor, PQError> = {
        do throws(PQError) {
            return .success(try Reactor())
        } catch {
            return .failure(error)
        }
    }()

    private let epoll: Int32
    /// An eventfd that interrupts `epoll_wait` when an earlier deadline is registered.
    private let wakeup: Int32
    private let state = Mutex(State())

    private struct State {
        /// The wait on each socket (at most one: libpq does one thing at a time per connection).
        var waits: [Int32: SocketWait] = [:]
        /// Waits with a deadline.
        var timed: [ObjectIdentifier: SocketWait] = [:]
        /// No deadline in `timed` is earlier than this (it may be stale, i.e. too early).
        var earliest: ContinuousClock.Instant?
    }

    private init() throws(PQError) {
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epoll >= 0 else { throw Self.failure("epoll_create1") }
        wakeup = eventfd(0, Int32(EFD_CLOEXEC) | Int32(EFD_NONBLOCK))
        guard wakeup >= 0 else {
            close(epoll)
            throw Self.failure("eventfd")
        }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.fd = wakeup
        guard epoll_ctl(epoll, EPOLL_CTL_ADD, wakeup, &event) == 0 else {
            close(epoll)
            close(wakeup)
            throw Self.failure("epoll_ctl")
        }
        let thread = Thread { [self] in run() }
        thread.name = "PQ reactor"
        thread.start()
    }

    /// Starts watching for `wait`, which ends (through `SocketWait.finish`) when its socket
    /// is ready or its deadline passes. A wait on the same socket still registered is
    /// ended as interrupted (it cannot happen with one operation per connection at a time).
    func register(_ wait: SocketWait) {
        let (displaced, armed, wake) = state.withLock { state in
            let displaced = state.waits.updateValue(wait, forKey: wait.socket)
            var wake = false
            if let deadline = wait.deadline {
                state.timed[ObjectIdentifier(wait)] = wait
                if state.earliest.map({ deadline < $0 }) ?? true {
                    state.earliest = deadline
                    wake = true
                }
            }
            // Armed under the lock, so that a wait that ended meanwhile can never re-arm the
            // socket with its interest over that of the socket's next wait.
            return (displaced, arm(wait), wake)
        }
        if let displaced, displaced !== wait { displaced.finish(.interrupted) }
        if !armed {
            // Not a socket epoll can watch (it was closed under us): let libpq find out.
            wait.finish(.ready)
        }
        if wake {
            var one: UInt64 = 1
            _ = write(wakeup, &one, MemoryLayout<UInt64>.size)
        }
    }

    /// Stops watching for `wait` (it ended some other way). The socket may stay armed; a
    /// later report for it finds no wait, or is checked by the next one.
    func forget(_ wait: SocketWait) {
        state.withLock { state in
            if state.waits[wait.socket] === wait { state.waits[wait.socket] = nil }
            state.timed[ObjectIdentifier(wait)] = nil
        }
    }

    /// Arms the socket for one report. A socket epoll does not know yet (new, or its
    /// number was closed and reused) is added. Called with `state` locked.
    private func arm(_ wait: SocketWait) -> Bool {
        var event = epoll_event()
        event.events = wait.interest | EPOLLONESHOT.rawValue
        event.data.fd = wait.socket
        if epoll_ctl(epoll, EPOLL_CTL_MOD, wait.socket, &event) == 0 { return true }
        guard errno == ENOENT else { return false }
        return epoll_ctl(epoll, EPOLL_CTL_ADD, wait.socket, &event) == 0
    }

    private func run() {
        let capacity: Int32 = 256
        var events = [epoll_event](repeating: epoll_event(), count: Int(capacity))
        while true {
            let count = events.withUnsafeMutableBufferPointer { buffer in
                epoll_wait(epoll, buffer.baseAddress, capacity, timeoutMilliseconds())
            }
            var ended: [(SocketWait, SocketEvent)] = []
            if count > 0 {
                ended = state.withLock { state in
                    var ready: [(SocketWait, SocketEvent)] = []
                    for index in 0..<Int(count) {
                        let socket = events[index].data.fd
                        if socket == wakeup {
                            var value: UInt64 = 0
                            _ = read(wakeup, &value, MemoryLayout<UInt64>.size)
                            continue
                        }
                        guard let wait = state.waits[socket] else { continue }
                        // A stale report (for a socket number closed and reused since) leaves
                        // the wait in place, armed again.
                        if !Self.isReady(wait) && arm(wait) { continue }
                        state.waits[socket] = nil
                        state.timed[ObjectIdentifier(wait)] = nil
                        ready.append((wait, .ready))
                    }
                    return ready
                }
            }
            ended += expired()
            for (wait, event) in ended { wait.finish(event) }
        }
    }

    /// Removes and returns the waits whose deadline passed, and recomputes `earliest`.
    private func expired() -> [(SocketWait, SocketEvent)] {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard let earliest = state.earliest, earliest <= now else { return [] }
            var ended: [(SocketWait, SocketEvent)] = []
            var next: ContinuousClock.Instant?
            for (key, wait) in state.timed {
                guard let deadline = wait.deadline else { continue }
                if deadline <= now {
                    state.timed[key] = nil
                    if state.waits[wait.socket] === wait { state.waits[wait.socket] = nil }
                    ended.append((wait, .timedOut))
                } else if next.map({ deadline < $0 }) ?? true {
                    next = deadline
                }
            }
            state.earliest = next
            return ended
        }
    }

    /// How long `epoll_wait` may sleep: until the earliest deadline (rounded up to whole
    /// milliseconds, so it does not wake just before it), or indefinitely.
    private func timeoutMilliseconds() -> Int32 {
        guard let earliest = state.withLock({ $0.earliest }) else { return -1 }
        let remaining = ContinuousClock.now.duration(to: earliest)
        guard remaining > .zero else { return 0 }
        let (seconds, attoseconds) = remaining.components
        guard seconds < 86_400 else { return 86_400_000 }
        return Int32(seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }

    /// Whether the socket is ready now for what the wait asked (errors and hang-ups count:
    /// libpq reports them).
    private static func isReady(_ wait: SocketWait) -> Bool {
        var probe = pollfd(fd: wait.socket, events: Int16(wait.pollInterest), revents: 0)
        guard poll(&probe, 1, 0) >= 0 else { return true }
        return probe.revents != 0
    }

    private static func failure(_ call: String) -> PQError {
        PQError(kind: .connection, message: "cannot wait on sockets: \(call) failed: \(String(cString: strerror(errno)))")
    }
}
