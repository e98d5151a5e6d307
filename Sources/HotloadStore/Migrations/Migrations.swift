/// The schema migrations carried by the binary (see sql/README.md).
package enum Migrations {
    /// One migration file.
    package struct File: Sendable, Hashable {
        /// The file name in sql/, e.g. `0001_schema.sql`; also its key in `hotload.schema_migrations`.
        package var name: String
        /// The exact SQL text.
        package var sql: String
        /// SHA-256 of the text, recorded when applied, so a changed file is noticed.
        package var sha256: String
    }

    /// All migrations in the order they are applied.
    package static let all: [File] = embedded
        .map { File(name: $0.name, sql: $0.sql, sha256: SHA256Hex.of($0.sql)) }
        .sorted { $0.name < $1.name }

    /// Files whose comments were corrected after they were released, with the SHA-256 of
    /// each earlier text. Only comments changed (MigrationTests rebuilds each earlier text
    /// and checks its hash), so a database that recorded an earlier text is current.
    static let correctedComments: [String: Set<String>] = [
        // The header overstated the append-only guarantee ("owners included").
        "0002_append_only.sql": ["42d075b9811468cd1366833d3718ae22ec3c4147365759c7d06ba8a80d7f5a9f"],
    ]

    /// The advisory lock key that serialises `migrate()` runs on one database.
    static let lockKey: Int64 = 0x686f_746c_6f61_6401
}
