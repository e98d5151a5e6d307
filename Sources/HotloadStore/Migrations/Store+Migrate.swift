import PQ

extension Store {
    /// Applies the pending migrations, each in its own transaction, and returns the names
    /// applied by this call (empty when the schema is current).
    ///
    /// Every transaction first takes `pg_advisory_xact_lock`, so concurrent `hotload init`s
    /// on one database apply each file exactly once. A file whose text differs from the one
    /// recorded when it was applied is refused (`StoreError.migrationChanged`).
    public func migrate() async throws -> [String] {
        try await run(needs: .pusher) {
            var applied: [String] = []
            for file in Migrations.all where try await apply(file) {
                applied.append(file.name)
            }
            return applied
        }
    }

    /// The migrations recorded in the database, in order.
    public func appliedMigrations() async throws -> [String] {
        try await run(needs: .reader) {
            let rows = try await connection.query(
                "SELECT name FROM hotload.schema_migrations ORDER BY name")
            return try rows.map { try $0.decode("name", as: String.self) }
        }
    }

    private func apply(_ file: Migrations.File) async throws -> Bool {
        try await connection.transaction { @Sendable conn in
            _ = try await conn.query("SELECT pg_advisory_xact_lock($1)", [.int(Migrations.lockKey)])
            let table = try await conn.query(
                "SELECT to_regclass('hotload.schema_migrations') IS NOT NULL AS present")
            if let row = table.first, try row.decode("present", as: Bool.self) {
                let done = try await conn.query(
                    "SELECT sha256 FROM hotload.schema_migrations WHERE name = $1", [.text(file.name)])
                if let row = done.first {
                    guard try row.decode("sha256", as: String.self) == file.sha256 else {
                        throw StoreError.migrationChanged(name: file.name)
                    }
                    return false
                }
            }
            try await conn.executeScript(file.sql)
            try await conn.execute(
                "INSERT INTO hotload.schema_migrations (name, sha256) VALUES ($1, $2)",
                [.text(file.name), .text(file.sha256)])
            return true
        }
    }
}
