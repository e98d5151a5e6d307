import Foundation
import PQ
import Testing

@Suite("PQ queries on a real server")
struct QueryTests {
    @Test func parametersRoundTrip() async throws {
        let connection = try await TestServer.connect(try await TestServer.freshDatabase())
        defer { Task { await connection.close() } }
        let text = "héllo 🌍 ☃ \"quoted\" 'single' \\ back; DROP TABLE x; --"
        let bytes = (0...255).map(UInt8.init)
        let result = try await connection.query(
            """
            SELECT $1::text AS t, $2::bytea AS b, $3::text AS n, $4::bigint AS i, $5::float8 AS d,
                   $6::bool AS f, $7::int AS small, array_length($8::text[], 1) AS len,
                   ($8::text[])[2] AS second, $9::bigint[] AS ints
            """,
            [
                .text(text), .bytes(bytes), .null, .int(Int64.min), .double(-1.25e-7), .bool(true), .int(7),
                .textArray(["a", "b,\"c\"", "NULL"]), .int64Array([1, Int64.max]),
            ])
        let row = try #require(result.first)
        #expect(result.columns == ["t", "b", "n", "i", "d", "f", "small", "len", "second", "ints"])
        #expect(try row.decode("t", as: String.self) == text)
        #expect(try row.decode("b", as: [UInt8].self) == bytes)
        #expect(try row.decode("n", as: String?.self) == nil)
        #expect(try row.decode("i", as: Int64.self) == .min)
        #expect(try row.decode("d", as: Double.self) == -1.25e-7)
        #expect(try row.decode("f", as: Bool.self))
        #expect(try row.decode("small", as: Int32.self) == 7)
        #expect(try row.decode("len", as: Int.self) == 3)
        #expect(try row.decode("second", as: String.self) == "b,\"c\"")
        #expect(row["ints"] == "{1,9223372036854775807}")
    }

    @Test func serverInfersParameterTypes() async throws {
        let connection = try await TestServer.connect(try await TestServer.freshDatabase())
        defer { Task { await connection.close() } }
        try await connection.execute("CREATE TABLE items (id bigint PRIMARY KEY, name text, price float8, ok boolean, data bytea)")
        let inserted = try await connection.execute(
            "INSERT INTO items VALUES ($1, $2, $3, $4, $5), ($6, $7, $8, $9, $10)",
            [1, "one", 1.5, true, .bytes([1, 2]), 2, "two", .double(.infinity), false, .null])
        #expect(inserted == 2)
        let rows = try await connection.query("SELECT * FROM items WHERE id = ANY($1) ORDER BY id", [.int64Array([1, 2])])
        #expect(rows.count == 2)
        #expect(try rows[1].decode("price", as: Double.self) == .infinity)
        #expect(try rows[1].decode("data", as: [UInt8]?.self) == nil)
        #expect(try rows[0].decode("data", as: [UInt8].self) == [1, 2])
        let updated = try await connection.execute("UPDATE items SET name = $1 WHERE id > $2", ["x", 0])
        #expect(updated == 2)
    }

    @Test func preparedStatementsArePreparedOnceAndSurviveDeallocation() async throws {
        let connection = try await TestServer.connect(try await TestServer.freshDatabase())
        defer { Task { await connection.close() } }
        let statement = PreparedStatement("SELECT $1::bigint * 2 AS doubled, $2::text AS label")
        for value in [Int64(1), 21, -4] {
            let row = try #require(try await connection.query(statement, [.int(value), .text("v\(value)")]).first)
            #expect(try row.decode("doubled", as: Int64.self) == value * 2)
            #expect(try row.decode("label", as: String.self) == "v\(value)")
        }
        let prepared = try await connection.query(
            "SELECT count(*)::bigint AS n FROM pg_prepared_statements WHERE statement = $1", [.text(statement.sql)])
        #expect(try prepared[0].decode("n", as: Int.self) == 1)

        // The server forgot it: prepared again, transparently.
        try await connection.execute("DEALLOCATE ALL")
        #expect(try await connection.query(statement, [.int(5), .null])[0].decode("doubled", as: Int64.self) == 10)

        // A statement that does not prepare fails like any other, naming the statement,
        // and leaves the connection usable.
        let broken = PreparedStatement("SELEC 1")
        let error = try await #require(throws: PQError.self) { try await connection.query(broken) }
        #expect(error.sqlState == "42601")
        #expect(error.statement == broken.sql)
        #expect(try await connection.execute(PreparedStatement("SELECT 1")) == 1)
    }

    @Test func timestampsDecode() async throws {
        let connection = try await TestServer.connect(try await TestServer.freshDatabase())
        defer { Task { await connection.close() } }
        let row = try #require(
            try await connection.query(
                "SELECT '2024-05-01 12:30:00.123456+02'::timestamptz AS t, now() AS now, 'infinity'::timestamptz AS inf"
            ).first)
        let t = try row.decode("t", as: Date.self)
        #expect(abs(t.timeIntervalSince1970 - 1_714_559_400.123456) < 0.000_001)
        #expect(abs(try row.decode("now", as: Date.self).timeIntervalSinceNow) < 60)
        #expect(try row.decode("inf", as: Date.self) == .distantFuture)
    }

    @Test func sqlErrorsCarrySQLStateDetailAndStatement() async throws {
        let connection = try await TestServer.connect(try await TestServer.freshDatabase())
        defer { Task { await connection.close() } }
        try await connection.execute("CREATE TABLE u (id int PRIMARY KEY)")
        try await connection.execute("INSERT INTO u VALUES ($1)", [1])
        let duplicate = await #expect(throws: PQError.self) {
            try await connection.execute("INSERT INTO u VALUES ($1)", [1])
        }
        #expect(duplicate?.kind == .query)
        #expect(duplicate?.sqlState == "23505")
        #expect(duplicate?.conditionName == "unique_violation")
        #expect(duplicate?.detail == "Key (id)=(1) already exists.")
        let missing = await #expect(throws: PQError.self) {
            try await connection.query("SELECT * FROM hotload.releases")
        }
        #expect(missing?.sqlState == "42P01")
        #expect(missing?.conditionName == "undefined_table")
        #expect(missing?.statement == "SELECT * FROM hotload.releases")
        let syntax = await #expect(throws: PQError.self) { try await connection.query("SELEC 1") }
        #expect(syntax?.sqlState == "42601")
        // The connection is still usable after errors.
        #expect(try await connection.query("SELECT 1 AS one").first?.decode("one", as: Int.self) == 1)
    }

    @Test func scriptsRunSeveralStatements() async throws {
        let connection = try await TestServer.connect(try await TestServer.freshDatabase())
        defer { Task { await connection.close() } }
        try await connection.executeScript(
            "CREATE TABLE a (x int); INSERT INTO a VALUES (1), (2); CREATE TABLE IF NOT EXISTS a (x int);")
        #expect(try await connection.query("SELECT count(*) AS n FROM a").first?.decode("n", as: Int.self) == 2)
        await #expect(throws: PQError.self) { try await connection.executeScript("INSERT INTO a VALUES (3); SELECT 1/0;") }
        // The script ran as one transaction: the insert before the failure is gone.
        #expect(try await connection.query("SELECT count(*) AS n FROM a").first?.decode("n", as: Int.self) == 2)
    }

    @Test func transactionsCommitAndRollBack() async throws {
        let url = try await TestServer.freshDatabase()
        let connection = try await TestServer.connect(url)
        let observer = try await TestServer.connect(url)
        defer {
            Task {
                await connection.close()
                await observer.close()
            }
        }
        try await connection.execute("CREATE TABLE t (v text)")
        let value = try await connection.transaction { connection in
            try await connection.execute("INSERT INTO t VALUES ($1)", ["committed"])
            return 42
        }
        #expect(value == 42)
        await #expect(throws: ExpectedFailure.self) {
            try await connection.transaction { connection in
                try await connection.execute("INSERT INTO t VALUES ($1)", ["swift error"])
                throw ExpectedFailure()
            }
        }
        await #expect(throws: PQError.self) {
            try await connection.transaction { connection in
                try await connection.execute("INSERT INTO t VALUES ($1)", ["sql error"])
                try await connection.execute("INSERT INTO missing VALUES (1)")
            }
        }
        let swallowed = await #expect(throws: PQError.self) {
            try await connection.transaction { connection in
                try await connection.execute("INSERT INTO t VALUES ($1)", ["caught"])
                _ = try? await connection.execute("SELECT 1/0")
            }
        }
        #expect(swallowed?.sqlState == "25P02")
        try await connection.transaction { connection in
            try await connection.execute("INSERT INTO t VALUES ($1)", ["outer"])
            try? await connection.transaction { connection in
                try await connection.execute("INSERT INTO t VALUES ($1)", ["inner"])
                throw ExpectedFailure()
            }
        }
        let rows = try await observer.query("SELECT v FROM t ORDER BY v")
        #expect(try rows.values("v", as: String.self) == ["committed", "outer"])
    }

    @Test func transactionHoldsTheConnectionAgainstOtherCallers() async throws {
        let connection = try await TestServer.connect(try await TestServer.freshDatabase())
        defer { Task { await connection.close() } }
        try await connection.execute("CREATE TABLE t (v int)")
        async let transaction: Void = connection.transaction { connection in
            try await connection.execute("INSERT INTO t VALUES (1)")
            try await connection.execute("SELECT pg_sleep(0.2)")
            try await connection.execute("INSERT INTO t VALUES (2)")
        }
        try await Task.sleep(for: .milliseconds(50))
        // Runs after the transaction: sees both rows, never half of it.
        let count = try await connection.query("SELECT count(*) AS n FROM t").first?.decode("n", as: Int.self)
        try await transaction
        #expect(count == 2)
    }

    @Test func concurrentCallersOnOneConnectionAreSerialised() async throws {
        let connection = try await TestServer.connect(try await TestServer.freshDatabase())
        defer { Task { await connection.close() } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<40 {
                group.addTask {
                    let row = try await connection.query("SELECT $1::int * 2 AS v", [.int(index)]).first
                    #expect(try row?.decode("v", as: Int.self) == index * 2)
                }
            }
            try await group.waitForAll()
        }
    }

    @Test func closedConnectionsRefuseWork() async throws {
        let connection = try await TestServer.connect(try await TestServer.freshDatabase())
        await connection.close()
        await connection.close()
        #expect(await connection.isClosed)
        let error = await #expect(throws: PQError.self) { try await connection.query("SELECT 1") }
        #expect(error?.kind == .closed)
    }
}
