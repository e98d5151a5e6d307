internal import CLibPQ
import Foundation

/// Owns one `PGconn` and frees it exactly once: on `finish()` or, failing that, on deinit.
///
/// Used only from the owning `Connection` actor (or, while connecting, from the task that
/// creates it), never concurrently.
final class ConnectionHandle {
    private(set) var pointer: OpaquePointer?

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }

    /// Closes the connection and frees libpq's state. Later calls do nothing.
    func finish() {
        guard let pointer else { return }
        self.pointer = nil
        PQfinish(pointer)
    }

    /// libpq's last error message for this connection, trimmed and redacted.
    var errorMessage: String {
        guard let pointer, let message = PQerrorMessage(pointer) else { return "connection closed" }
        let text = String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines)
        return Redaction.redact(text.isEmpty ? "connection lost" : text)
    }

    deinit {
        finish()
    }
}
