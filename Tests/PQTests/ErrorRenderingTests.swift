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

    @Test func queryErrorNamesConditionDetailHintAndFix() {
        let error = PQError(
            kind: .query, message: "relation \"hotload.releases\" does not exist", sqlState: "42P01",
            detail: "d", hint: "h", target: "postgres@127.0.0.1:5432/x", statement: "SELECT 1 FROM hotload.releases")
        #expect(error.conditionName == "undefined_table")
        let text = error.description
        #expect(text.contains("42P01 (undefined_table)"))
        #expect(text.contains("DETAIL: d"))
        #expect(text.contains("HINT: h"))
        #expect(text.contains("run `hotload init`"))
        let other = PQError(kind: .query, message: "relation \"foo\" does not exist", sqlState: "42P01")
        #expect(other.fix == nil)
    }

    @Test func privilegeErrorsNameTheRole() {
        let push = PQError(
            kind: .query, message: "permission denied for function publish", sqlState: "42501",
            statement: "SELECT hotload.publish($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        #expect(push.description.contains("GRANT hotload_pusher"))
        // Tables are written only through the functions: a direct write needs the owner.
        let direct = PQError(
            kind: .query, message: "permission denied for table releases", sqlState: "42501",
            statement: "INSERT INTO hotload.releases (channel) VALUES ($1)")
        #expect(direct.description.contains("GRANT hotload_owner"))
        #expect(!direct.description.contains("hotload_pusher"))
        let read = PQError(
            kind: .query, message: "permission denied for table revisions", sqlState: "42501",
            statement: "SELECT source FROM hotload.revisions")
        #expect(read.description.contains("hotload_reader"))
        let node = PQError(
            kind: .query, message: "permission denied for function node_heartbeat", sqlState: "42501",
            statement: "SELECT hotload.node_heartbeat($1, $2::uuid, $3, $4, $5, $6, $7, $8, $9, $10)")
        #expect(node.description.contains("hotload_node"))
        // Reading node status (`hotload status`) needs only the reader role.
        let status = PQError(
            kind: .query, message: "permission denied for table node_status", sqlState: "42501",
            statement: "SELECT s.name FROM hotload.node_status s")
        #expect(status.description.contains("GRANT hotload_reader"))
    }

    @Test func connectionFailuresAreClassified() {
        let target = "postgres@127.0.0.1:1/x"
        let refused = Connector.classify(
            "connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?",
            target: target)
        #expect(refused.kind == .connection)
        #expect(refused.description.contains("127.0.0.1:1"))
        #expect(refused.description.contains("HOTLOAD_DATABASE_URL"))
        #expect(!refused.message.contains("\n"))
        let password = Connector.classify(
            "connection to server failed: FATAL:  password authentication failed for user \"a\"", target: target)
        #expect(password.kind == .authentication)
        #expect(password.description.contains("PGPASSWORD"))
        let database = Connector.classify("FATAL:  database \"nope\" does not exist", target: target)
        #expect(database.sqlState == "3D000")
        #expect(database.description.contains("createdb"))
    }

    @Test func errorsRedactEverythingTheyCarry() {
        let error = PQError(
            kind: .connection, message: "bad option in postgresql://u:topsecret@h/x", detail: "password=topsecret")
        #expect(!error.description.contains("topsecret"))
    }

    @Test func localizedDescriptionIsTheFullText() {
        let error = PQError(kind: .closed, message: "gone", target: "postgres@127.0.0.1:1/x")
        #expect(error.localizedDescription == error.description)
        #expect(error.description.contains("reconnect"))
    }
}
