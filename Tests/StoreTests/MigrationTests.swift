import Foundation
@testable import HotloadStore
import PostgresHarness
import PQ
import Testing

@Suite struct MigrationTests {
    @Test func embeddedMigrationsEqualTheFilesInSQL() throws {
        let sqlDirectory = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("sql")
        let files = try FileManager.default.contentsOfDirectory(atPath: sqlDirectory.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        #expect(!files.isEmpty)
        #expect(Migrations.all.map(\.name) == files,
                "sql/ and the embedded migrations differ: run sql/embed.sh")
        for file in files {
            let text = try String(contentsOf: sqlDirectory.appendingPathComponent(file), encoding: .utf8)
            #expect(Migrations.all.first { $0.name == file }?.sql == text,
                    "sql/\(file) changed since it was embedded: run sql/embed.sh")
        }
    }

    /// A corrected comment is the only accepted change: the earlier text, rebuilt from the
    /// current one, has the recorded hash, and a database that recorded it is current.
    @Test func correctedCommentsChangeOnlyComments() async throws {
        let file = try #require(Migrations.all.first { $0.name == "0002_append_only.sql" })
        let earlierHeader = """
            -- History is append-only, enforced by the database itself: revisions, releases and
            -- release changes refuse UPDATE, DELETE and TRUNCATE for every role, owners included.

            """
        let lines = file.sql.split(separator: "\n", omittingEmptySubsequences: false)
        // The corrected header is the first five lines; the rest is byte for byte the same.
        let earlier = earlierHeader + lines.dropFirst(5).joined(separator: "\n")
        #expect(Migrations.correctedComments[file.name] == [SHA256Hex.of(earlier)])

        let store = try await Store.connect(ConnectionConfiguration(try await freshDatabase()))
        _ = try await store.migrate()
        try await store.connection.execute(
            "UPDATE hotload.schema_migrations SET sha256 = $1 WHERE name = $2", [.text(SHA256Hex.of(earlier)), .text(file.name)])
        #expect(try await store.migrate() == [])
        try await store.connection.execute(
            "UPDATE hotload.schema_migrations SET sha256 = repeat('0', 64) WHERE name = $1", [.text(file.name)])
        await #expect {
            _ = try await store.migrate()
        } throws: { error in
            guard let error = error as? StoreError, error.code == .migrationChanged else { return false }
            return error.migration == file.name
        }
    }

    @Test func migrateIsIdempotent() async throws {
        let store = try await Store.connect(ConnectionConfiguration(try await freshDatabase()))
        let first = try await store.migrate()
        #expect(first == Migrations.all.map(\.name))
        #expect(try await store.migrate() == [])
        #expect(try await store.appliedMigrations() == Migrations.all.map(\.name))
        #expect(try await store.head(channel: "main") == nil)
    }

    @Test func racedInitsApplyEachFileOnce() async throws {
        let url = try await freshDatabase()
        let results = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let store = try await Store.connect(ConnectionConfiguration(url))
                    return try await store.migrate()
                }
            }
            var all: [[String]] = []
            for try await applied in group { all.append(applied) }
            return all
        }
        #expect(results.flatMap { $0 }.sorted() == Migrations.all.map(\.name))
        let store = try await Store.connect(ConnectionConfiguration(url))
        #expect(try await store.count("SELECT count(*)::bigint AS n FROM hotload.schema_migrations")
                == Int64(Migrations.all.count))
    }

    /// The store says the migrations are missing; the CLI adds "run `hotload init`"
    /// (`ErrorHintCLITests`).
    @Test func missingSchemaSaysRunInit() async throws {
        let store = try await Store.connect(ConnectionConfiguration(try await freshDatabase()))
        await #expect {
            _ = try await store.log()
        } throws: { error in
            guard let error = error as? StoreError, error.code == .schemaMissing else { return false }
            return error.message.contains("migrations have not been applied")
        }
    }
}
