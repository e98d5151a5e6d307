import HotloadStore
import PQ
import Testing

/// The store turns PostgreSQL errors into Hotload advice: the schema to initialise, the
/// role an operation needs, what to check when the server cannot be reached. PQ itself
/// only reports what happened (`ErrorRenderingTests`).
@Suite("Store error advice")
struct StoreErrorAdviceTests {
    /// The store says the migrations are missing; "run `hotload init`" is the CLI's to add
    /// (`ErrorHintCLITests`).
    @Test func aMissingSchemaSaysRunInit() {
        for state in ["3F000", "42P01", "42883", "42703"] {
            let error = PQError(
                kind: .query, message: "relation \"hotload.releases\" does not exist", sqlState: state,
                statement: "SELECT 1 FROM hotload.releases")
            let mapped = StoreError.mapping(error, role: .reader) as? StoreError
            #expect(mapped?.code == .schemaMissing, "\(state)")
            #expect(mapped?.message.contains("migrations have not been applied") == true, "\(state)")
        }
        let other = PQError(kind: .query, message: "relation \"foo\" does not exist", sqlState: "42601")
        #expect(StoreError.mapping(other, role: .reader) is PQError)
        #expect(DatabaseAdvice.fix(for: other) == nil)
    }

    /// The role comes from the operation (`run(needs:)`), not from the server's words.
    @Test func privilegeErrorsNameTheRoleTheOperationNeeds() {
        let denied = PQError(kind: .query, message: "permission denied for function publish", sqlState: "42501")
        #expect("\(StoreError.mapping(denied, role: .pusher))".contains("GRANT hotload_pusher"))
        // Tables are written only through the functions: a direct write or a migration needs the owner.
        let owner = "\(StoreError.mapping(denied, role: .owner))"
        #expect(owner.contains("GRANT hotload_owner"))
        #expect(!owner.contains("hotload_pusher"))
        #expect("\(StoreError.mapping(denied, role: .reader))".contains("GRANT hotload_reader"))
        #expect("\(StoreError.mapping(denied, role: .node))".contains("GRANT hotload_node"))
        // Without an operation, the advice lists the roles by task.
        #expect(DatabaseAdvice.describe(denied).contains("hotload_reader to read"))
    }

    @Test func connectionFailuresSayWhatToCheck() {
        let target = "postgres@127.0.0.1:1/x"
        let refused = PQError(kind: .connection, message: "Connection refused", target: target)
        let text = DatabaseAdvice.describe(refused)
        #expect(text.contains("check that PostgreSQL is running and accepts connections at postgres@127.0.0.1:1/x"))
        // Command-line flags are the CLI's to name.
        #expect(!text.contains("--database"))
        #expect(!text.contains("HOTLOAD_DATABASE_URL"))
        let password = PQError(kind: .authentication, message: "password authentication failed", sqlState: "28P01",
                               target: target)
        #expect(DatabaseAdvice.describe(password).contains("PGPASSWORD"))
        let database = PQError(kind: .connection, message: "database \"nope\" does not exist", sqlState: "3D000",
                               target: target)
        #expect(DatabaseAdvice.describe(database).contains("createdb"))
        let closed = PQError(kind: .closed, message: "gone", target: target)
        #expect(DatabaseAdvice.describe(closed).contains("reconnect"))
    }

    @Test func anInvalidStringGetsAdviceAboutTheString() async {
        let error = await #expect(throws: PQError.self) {
            try await Store.connect(ConnectionConfiguration("postgresql://127.0.0.1:notaport/db"))
        }
        guard let error else { return }
        let text = DatabaseAdvice.describe(error)
        #expect(text.hasPrefix("invalid connection string: "))
        #expect(text.contains("notaport"))
        #expect(text.contains("Fix: correct the connection string"))
        #expect(!text.contains("running"))
    }
}
