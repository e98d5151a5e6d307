#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import PQ
import PostgresHarness
import Testing

@Suite("PQ connecting")
struct ConnectTests {
    @Test func refusedPortNamesTheTarget() async throws {
        let port = try Listener.unusedPort()
        let error = await #expect(throws: PQError.self) {
            try await TestServer.connect("postgresql://postgres:pw@127.0.0.1:\(port)/x", timeout: .seconds(5))
        }
        #expect(error?.kind == .connection)
        #expect(error?.description.contains("127.0.0.1:\(port)") == true)
        #expect(error?.description.contains("pw") == false)
    }

    @Test func silentServerTimesOut() async throws {
        let listener = try Listener()
        defer { listener.close() }
        let start = ContinuousClock.now
        let error = await #expect(throws: PQError.self) {
            try await TestServer.connect("host=127.0.0.1 port=\(listener.port) sslmode=disable", timeout: .milliseconds(500))
        }
        #expect(error?.kind == .timeout)
        // A hang guard only: on a loaded machine the test may wait long for a thread.
        #expect(ContinuousClock.now - start < .seconds(60))
    }

    @Test func missingDatabaseAndUnknownRoleAreExplained() async throws {
        let base = try await TestDatabase.sharedAsync()
        let missing = ConnectionString.replacingDatabase(in: base, with: "no_such_database_here")
        let database = await #expect(throws: PQError.self) { try await TestServer.connect(missing) }
        #expect(database?.sqlState == "3D000")
        #expect(database?.description.contains("does not exist") == true)
        let role = await #expect(throws: PQError.self) {
            try await TestServer.connect(base + (base.contains("?") ? "&" : "?") + "user=nobody_at_all")
        }
        #expect(role?.kind == .authentication)
    }

    @Test func malformedConnectionStringFailsClearly() async throws {
        let error = await #expect(throws: PQError.self) {
            try await TestServer.connect("host='unterminated password=secret")
        }
        #expect(error?.kind == .invalidConnectionString)
        #expect(error?.description.contains("invalid connection string") == true)
        #expect(error?.description.contains("secret") == false)
    }

    @Test func connectsWithConninfoForm() async throws {
        let url = try await TestDatabase.freshAsync()
        let components = try #require(URLComponents(string: url))
        let host = try #require(components.host)
        let port = try #require(components.port)
        let database = String(components.path.dropFirst())
        let connection = try await TestServer.connect("host=\(host) port=\(port) user=postgres dbname=\(database)")
        let row = try #require(try await connection.query("SELECT current_database() AS d, current_setting('application_name') AS a").first)
        #expect(try row.decode("d", as: String.self) == database)
        #expect(try row.decode("a", as: String.self) == "hotload-pq-tests")
        #expect(connection.backendPID > 0)
        await connection.close()
    }
}

/// A TCP socket on 127.0.0.1 that accepts connections into its backlog but never answers.
final class Listener: Sendable {
    let descriptor: Int32
    let port: Int

    init() throws {
        #if canImport(Darwin)
        let streamType = SOCK_STREAM
        #else
        let streamType = Int32(SOCK_STREAM.rawValue)
        #endif
        let descriptor = socket(AF_INET, streamType, 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard descriptor >= 0, bound == 0, listen(descriptor, 16) == 0 else { throw ExpectedFailure() }
        var assigned = sockaddr_in()
        var assignedLength = length
        _ = withUnsafeMutablePointer(to: &assigned) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &assignedLength) }
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: assigned.sin_port))
    }

    func close() {
        #if canImport(Glibc)
        _ = Glibc.close(descriptor)
        #else
        _ = Darwin.close(descriptor)
        #endif
    }

    /// A port nobody listens on (bound, then released).
    static func unusedPort() throws -> Int {
        let listener = try Listener()
        listener.close()
        return listener.port
    }
}
