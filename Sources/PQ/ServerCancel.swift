internal import CLibPQ
import Foundation

/// Asks the server to stop the statement a connection is running (`PQcancel`), so abandoning
/// a connection does not leave its backend busy. `PQcancel` blocks while it opens its own short
/// connection, so it runs on a thread of its own: not the caller's, and not a Dispatch worker
/// (those also run Swift concurrency and the socket waits' handlers).
enum ServerCancel {
    /// Sends a cancel request for the statement running on `connection`; fire and forget.
    static func send(for connection: OpaquePointer) {
        guard let cancel = PQgetCancel(connection) else { return }
        let request = Request(cancel)
        let thread = Thread { request.send() }
        thread.name = "PQ cancel request"
        thread.start()
    }

    /// Owns a `PGcancel`, which libpq documents as safe to use from another thread.
    private final class Request: @unchecked Sendable {
        // @unchecked: the pointer is used by exactly one closure, once, then freed.
        private let cancel: OpaquePointer

        init(_ cancel: OpaquePointer) {
            self.cancel = cancel
        }

        func send() {
            var message = [CChar](repeating: 0, count: 256)
            _ = PQcancel(cancel, &message, Int32(message.count))
            PQfreeCancel(cancel)
        }
    }
}
