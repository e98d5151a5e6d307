import PQ

extension Store {
    /// Applies the pending migrations, each in its own transaction, and returns the names
    /// applied by this call (empty when the schema is current).
    ///
    /// Every transaction first takes `pg_advisory_xact_lock`, so concurrent `hotload init`s
    /// on one database apply each file exactly once. A file whose text differs from the one
    /// recorded when it was applied is refused (`StoreError.migrationChanged`), unless the
    /// recorded text is listed in `Migrations.correctedComments`.
    ///
    /// Applying needs a superuser or a member of `hotload_owner`, the NOLOGIN role that
    /// owns the schema (`StoreError.notAdministrator` otherwise); with nothing to apply,
    /// any role that may read the schema may call it.
    public func migrate() async throws -> [String] {
        try await run(needs: .owner) {
            try await checkMayMigrate()
            return try await apply(Migrations.all)
        }
    }

    /// Applies the pending ones of `files`, without the early role check (tests use it to
    /// build a database as an older version left it).
    func apply(_ files: [Migrations.File]) async throws -> [String] {
        var applied: [String] = []
        for file in files where try await apply(file) {
            applied.append(file.name)
        }
        return applied
    }

    /// The migrations recorded in the database, in order.
    public func appliedMigrations() async throws -> [String] {
        try await run(needs: .reader) {
            let rows = try await connection.query(
                "SELECT name FROM hotload.schema_migrations ORDER BY name")
            return try rows.map { try $0.decode("name", as: String.self) }
        }
    }

    /// Refuses early, with the role to grant, when migrations are pending and the
    /// connected role can act neither as a superuser nor as hotload_owner (the migrations
    /// would fail on their first ALTER ... OWNER otherwise; 0200_owner.sql checks it too).
    private func checkMayMigrate() async throws {
        // Looks at the hotload schema only when refusing: a catalog lookup before the
        // advisory lock would leave this session's catalog cache stale for a schema that
        // a concurrent init creates meanwhile.
        let rows = try await connection.query("""
            SELECT current_user::text AS me,
                   r.rolsuper OR coalesce(pg_has_role(current_user, o.oid, 'MEMBER'), false) AS may
            FROM pg_roles r LEFT JOIN pg_roles o ON o.rolname = 'hotload_owner'
            WHERE r.rolname = current_user
            """)
        guard let row = rows.first, !(try row.decode("may", as: Bool.self)) else { return }
        let present = try await connection.query(
            "SELECT to_regclass('hotload.schema_migrations') IS NOT NULL AS present")
        if try present.first?.decode("present", as: Bool.self) == true {
            let done = Set(try await connection.query("SELECT name FROM hotload.schema_migrations")
                .map { try $0.decode("name", as: String.self) })
            if Migrations.all.allSatisfy({ done.contains($0.name) }) { return }
        }
        throw StoreError.notAdministrator(role: try row.decode("me", as: String.self))
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
                    let recorded = try row.decode("sha256", as: String.self)
                    guard recorded == file.sha256 || Migrations.correctedComments[file.name]?.contains(recorded) == true
                    else {
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
