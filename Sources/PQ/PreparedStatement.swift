/// A statement that a connection prepares on the server (parse, analysis and a cached
/// plan) the first time it runs it, and afterwards executes by name.
///
/// For statements that run very often with different parameters, such as a node's head
/// read on every release: the server then skips parsing and, once it settles on a generic
/// plan (or always, with `plan_cache_mode = force_generic_plan`), planning. Each
/// connection prepares a statement once; a new connection (after a reconnect) prepares it
/// again on first use. Statements built from values do not belong here: the SQL text is
/// the cache key, and each distinct text stays prepared for the life of the connection.
public struct PreparedStatement: Sendable, Hashable {
    /// The statement, with `$1`, `$2`, … for parameters.
    public let sql: String

    public init(_ sql: String) {
        self.sql = sql
    }
}
