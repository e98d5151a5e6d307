import Foundation
import Testing

@testable import PQ

@Suite("PQ errors and redaction")
struct ErrorRenderingTests {
    @Test func redactsConninfoAndURLPasswords() {
        #expect(Redaction.redact("host=db password=s3cret user=x") == "host=db password=****** user=x")
        #expect(Redaction.redact("password = 'a b\\' c' port=1") == "password = ****** port=1")
        #expect(Redaction.redact("postgresql://alice:s3cret@db:5432/x") == "postgresql://alice:******@db:5432/x")
        #expect(Redaction.redact("postgres://db/x?user=a&password=zz&sslmode=require")
            == "postgres://db/x?user=a&password=******&sslmode=require")
        #expect(Redaction.redact("PGPASSWORD=hunter2 psql") == "PGPASSWORD=****** psql")
        #expect(Redaction.redact("postgresql://alice@db/x") == "postgresql://alice@db/x")
        #expect(Redaction.redact("password authentication failed for user \"a\"")
            == "password authentication failed for user \"a\"")
    }

    @Test func configurationNeverShowsThePassword() {
        let url = ConnectionConfiguration("postgresql://alice:s3cret@db.example:6543/hot")
        #expect(url.redactedDescription == "alice@db.example:6543/hot")
        #expect(!"\(url)".contains("s3cret"))
        var dumped = ""
        dump(url, to: &dumped)
        #expect(!dumped.contains("s3cret"))
        let conninfo = ConnectionConfiguration("host=/tmp port=5 dbname=d user=u password=pw")
        #expect(conninfo.redactedDescription == "u@[/tmp]:5/d")
        #expect(ConnectionConfiguration("host='unterminated").parseError != nil)
    }

    @Test func keepalivesAreAddedUnlessGiven() {
        let plain = ConnectionConfiguration("host=h")
        let keywords = plain.connectionParameters().map(\.keyword)
        #expect(keywords.contains("keepalives"))
        #expect(keywords.contains("keepalives_idle"))
        let custom = ConnectionConfiguration("host=h keepalives_idle=99")
        let idle = custom.connectionParameters().filter { $0.keyword == "keepalives_idle" }
        #expect(idle.map(\.value) == ["99"])
        var named = ConnectionConfiguration("host=h application_name=a")
        named.applicationName = "b"
        #expect(named.connectionParameters().filter { $0.keyword == "application_name" }.map(\.value) == ["b"])
    }

    /// PQ reports what the server said; advice about the application's objects (a missing
    /// schema, the role to grant) is the application's (`StoreErrorAdviceTests`).
    @Test func queryErrorNamesConditionDetailAndHint() {
        let error = PQError(
            kind: .query, message: "relation \"app.items\" does not exist", sqlState: "42P01",
            detail: "d", hint: "h", target: "postgres@127.0.0.1:5432/x", statement: "SELECT 1 FROM app.items")
        #expect(error.conditionName == "undefined_table")
        let text = error.description
        #expect(text.contains("42P01 (undefined_table)"))
        #expect(text.contains("DETAIL: d"))
        #expect(text.contains("HINT: h"))
        #expect(!text.contains("Fix"))
    }

    @Test func connectionFailuresAreClassified() {
        let target = "postgres@127.0.0.1:1/x"
        let refused = Connector.classify(
            "connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?",
            target: target)
        #expect(refused.kind == .connection)
        #expect(refused.sqlState == nil)
        #expect(refused.description.contains("127.0.0.1:1"))
        #expect(!refused.message.contains("\n"))
        let password = Connector.classify(
            "connection to server failed: FATAL:  password authentication failed for user \"a\"", target: target)
        #expect(password.kind == .authentication)
        #expect(password.sqlState == "28P01")
        let database = Connector.classify("FATAL:  database \"nope\" does not exist", target: target)
        #expect(database.kind == .connection)
        #expect(database.sqlState == "3D000")
        let port = Connector.classify("invalid integer value \"notaport\" for connection option \"port\"", target: target)
        #expect(port.kind == .invalidConnectionString)
        let mode = Connector.classify("invalid sslmode value: \"sometimes\"", target: target)
        #expect(mode.kind == .invalidConnectionString)
    }

    /// A malformed string, or one with a value libpq refuses, is an error about the string:
    /// it names the string's problem, not an unreachable server.
    @Test(arguments: [
        ("postgresql://127.0.0.1:notaport/db", "notaport"),
        ("host=x port= garbage", "garbage"),
        ("host=127.0.0.1 port=5432 sslmode=sometimes", "sometimes"),
        ("postgresql://127.0.0.1/db?nosuchoption=1", "nosuchoption"),
    ])
    func invalidConnectionStringsAreErrorsAboutTheString(string: String, culprit: String) async {
        let error = await #expect(throws: PQError.self) {
            try await Connection.connect(ConnectionConfiguration(string))
        }
        #expect(error?.kind == .invalidConnectionString, "\(string): \(String(describing: error))")
        #expect(error?.description.hasPrefix("invalid connection string: ") == true, "\(string)")
        #expect(error?.description.contains(culprit) == true, "\(string): \(String(describing: error))")
        #expect(error?.description.lowercased().contains("running") == false, "\(string)")
    }

    @Test func errorsRedactEverythingTheyCarry() {
        let error = PQError(
            kind: .connection, message: "bad option in postgresql://u:topsecret@h/x", detail: "password=topsecret")
        #expect(!error.description.contains("topsecret"))
    }

    @Test func localizedDescriptionIsTheFullText() {
        let error = PQError(kind: .closed, message: "gone", target: "postgres@127.0.0.1:1/x")
        #expect(error.localizedDescription == error.description)
    }

    /// The kinds are stable codes: applications compare them, and may log their raw values.
    @Test func kindsAreStableCodes() {
        let kinds: [(PQError.Kind, String)] = [
            (.connection, "connection"), (.invalidConnectionString, "invalid_connection_string"),
            (.authentication, "authentication"), (.query, "query"), (.decoding, "decoding"),
            (.timeout, "timeout"), (.closed, "closed"), (.cancelled, "cancelled"),
        ]
        for (kind, raw) in kinds {
            #expect(kind.rawValue == raw)
            #expect(PQError.Kind(rawValue: raw) == kind)
        }
        #expect(Set(kinds.map(\.1)).count == kinds.count)
        // A kind this version does not know still renders.
        let future = PQError(kind: PQError.Kind(rawValue: "replication"), message: "slot gone")
        #expect(future.headline == "replication: slot gone")
    }
}
