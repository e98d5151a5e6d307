import PQ

/// The Hotload store: code, history and channels in the `hotload` schema of a PostgreSQL
/// database, reached through one `PQ.Connection`.
///
/// A `Store` value uses its connection for one operation at a time; give each concurrent
/// task its own `Store` (its own connection).
public struct Store: Sendable {
    /// The connection every operation runs on.
    public let connection: Connection

    /// Wraps an open connection.
    public init(connection: Connection) {
        self.connection = connection
    }

    /// Opens a connection and wraps it.
    public static func connect(_ config: ConnectionConfiguration) async throws -> Store {
        Store(connection: try await Connection.connect(config))
    }

    /// Runs `body`, turning database errors into `StoreError`s that name the role needed.
    func run<T: Sendable>(needs role: HotloadRole, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw StoreError.mapping(error, role: role)
        }
    }
}
