import PQ

/// Which database a connection reached, for keeping the offline cache of one database
/// from being served for another.
enum DatabaseIdentityQuery {
    /// The cluster's system identifier (when the role may read it) and the database name.
    static func read(_ conn: Connection) async throws -> ReleaseCache.DatabaseIdentity {
        let name = try await conn.query("SELECT current_database() AS name")[0].decode("name", as: String.self)
        return ReleaseCache.DatabaseIdentity(systemIdentifier: try await systemIdentifier(conn), name: name)
    }

    /// nil when this role may not read it: the database name alone has to do.
    private static func systemIdentifier(_ conn: Connection) async throws -> String? {
        do {
            return try await conn.query("SELECT system_identifier::text AS id FROM pg_control_system()")
                .first?.decode("id", as: String?.self)
        } catch where error.kind == .query {
            return nil
        }
    }
}
