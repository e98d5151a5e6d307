import Foundation
import HotloadNode
import HotloadStore
import PQ
import Synchronization

/// Signed releases for node tests, made the way a signing push makes them: published
/// without its NOTIFY, signed in the same transaction by `hotload.release_sign`, which sends
/// the release's one notification at commit. Runs as the test superuser.
extension NodeFixture {
    /// The notification a signed push sends.
    enum Wakeup {
        /// The plain one (`{"channel":...,"release":N}`): nodes read.
        case plain
        /// The signed payload with the changed sources, when it fits.
        case payload
        /// None: the signatures are inserted directly (as the superuser), no NOTIFY.
        case none
    }

    /// Publishes `modules` (name → source; added or modified) on `main` and signs the
    /// release with `keys` in one transaction; returns its id.
    @discardableResult
    func pushSigned(_ modules: [String: String], by keys: [SigningKey], message: String = "signed",
                    wakeup: Wakeup = .plain) async throws -> Int64 {
        let conn = store.connection
        let names = modules.keys.sorted()
        try await conn.execute("BEGIN")
        do {
            let rows = try await conn.query("""
                SELECT hotload.publish('main', (SELECT head FROM hotload.channels WHERE name = 'main'), 'tests', $1, false,
                    $2::text[],
                    ARRAY(SELECT CASE WHEN EXISTS (SELECT 1 FROM hotload.channel_modules cm
                                                   WHERE cm.channel = 'main' AND cm.module = u.m) THEN 'modify' ELSE 'add' END
                          FROM unnest($2::text[]) WITH ORDINALITY AS u(m, i) ORDER BY u.i),
                    array_fill(NULL::integer, ARRAY[cardinality($2::text[])]), $3::text[], false, false) AS release
                """, [.text(message), .textArray(names), .textArray(names.map { modules[$0]! })])
            let release = try rows.first!.decode("release", as: Int64.self)
            switch wakeup {
            case .plain:
                try await sign(release, with: keys)
            case .payload:
                let manifest = try await manifest(of: release)
                let signatures = try keys.map { try $0.sign(manifest) }
                let payload = SignedReleasePayload(manifest: manifest, signatures: signatures, sources: modules)
                guard let text = payload.notificationPayload() else { throw FixtureError("the payload does not fit") }
                try await conn.execute("SELECT hotload.release_sign($1, $2::text[], $3::text[], $4)",
                                       [.int(release), .textArray(signatures.map(\.keyID)),
                                        .textArray(signatures.map { hex($0.signature) }), .text(text)])
            case .none:
                let manifest = try await manifest(of: release)
                for key in keys {
                    let signature = try key.sign(manifest)
                    try await conn.execute("INSERT INTO hotload.release_signatures (release, key_id, signature) VALUES ($1, $2, $3)",
                                           [.int(release), .text(signature.keyID), .bytes(signature.signature)])
                }
            }
            try await conn.execute("COMMIT")
            return release
        } catch {
            _ = try? await conn.execute("ROLLBACK")
            throw error
        }
    }

    /// The signed notification of `release` (signed by `keys`, carrying `sources`), as
    /// `hotload.release_sign` would send it.
    func signedPayload(of release: Int64, by keys: [SigningKey], sources: [String: String]) async throws -> String {
        let manifest = try await manifest(of: release)
        let payload = SignedReleasePayload(manifest: manifest, signatures: try keys.map { try $0.sign(manifest) },
                                           sources: sources)
        guard let text = payload.notificationPayload() else { throw FixtureError("the payload does not fit") }
        return text
    }

    /// A connection as a new login with `hotload_reader` only (for notifications any
    /// reader may send).
    func readerConnection() async throws -> Connection {
        let role = "reader_\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
        try await store.connection.execute("CREATE ROLE \(role) LOGIN IN ROLE hotload_reader")
        guard let at = url.range(of: "postgres@") else { throw FixtureError("unexpected test URL") }
        return try await Connection.connect(ConnectionConfiguration(url.replacingCharacters(in: at, with: "\(role)@")))
    }

    /// Adds `keys`' signatures to `release`, created in the calling transaction (sending its NOTIFY).
    func sign(_ release: Int64, with keys: [SigningKey]) async throws {
        let manifest = try await manifest(of: release)
        let signatures = try keys.map { try $0.sign(manifest) }
        try await store.connection.execute("SELECT hotload.release_sign($1, $2::text[], $3::text[], NULL)",
                                           [.int(release), .textArray(signatures.map(\.keyID)),
                                            .textArray(signatures.map { hex($0.signature) })])
    }

    /// The manifest of `release` as the history holds it.
    func manifest(of release: Int64) async throws -> ReleaseManifest {
        let conn = store.connection
        let head = try await conn.query("SELECT channel, parent, author, message FROM hotload.releases WHERE id = $1",
                                        [.int(release)])
        guard let row = head.first else { throw FixtureError("no release \(release)") }
        let channel = try row.decode("channel", as: String.self)
        let modules = try await conn.query("""
            SELECT mo.name AS module, d.version::bigint AS version, rv.sha256 AS sha256 FROM hotload.modules mo
            CROSS JOIN LATERAL (SELECT rc.version FROM hotload.release_changes rc
                                WHERE rc.channel = $2 AND rc.module = mo.name AND rc.release <= $1
                                ORDER BY rc.release DESC LIMIT 1) d
            JOIN hotload.revisions rv ON rv.module = mo.name AND rv.version = d.version
            """, [.int(release), .text(channel)])
        return try ReleaseManifest(
            channel: channel, release: Int(release), parent: try row.decode("parent", as: Int64?.self).map { Int($0) },
            modules: try modules.map { ManifestEntry(module: try $0.decode("module", as: String.self),
                                                      version: try $0.decode("version", as: Int.self),
                                                      sha256: try $0.decode("sha256", as: String.self)) },
            author: try row.decode("author", as: String.self), message: try row.decode("message", as: String.self))
    }

    /// Runs `sql` as a superuser with triggers off (`session_replication_role = replica`):
    /// what an attacker holding the database could do to the history.
    func tamper(_ sql: String) async throws {
        let conn = store.connection
        try await conn.execute("SET session_replication_role = replica")
        do {
            try await conn.executeScript(sql)
        } catch {
            _ = try? await conn.execute("SET session_replication_role = origin")
            throw error
        }
        try await conn.execute("SET session_replication_role = origin")
    }

    func configuration(name: String, trustFile: String, poll: Duration = .seconds(60), cache: String? = nil) -> NodeConfiguration {
        var configuration = configuration(name: name, poll: poll, cache: cache)
        configuration.trust = .file(trustFile)
        return configuration
    }
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

/// A trust file in a fresh temporary directory, rewritten atomically (a new file renamed
/// over the old one, mode 0644: it need not be secret).
struct TrustFile {
    let directory: String
    var path: String { directory + "/trust.json" }

    init(_ keys: [SigningKey], threshold: Int = 1) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("hotload-trust-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try write(keys, threshold: threshold)
    }

    func write(_ keys: [SigningKey], threshold: Int = 1) throws {
        let policy = try TrustPolicy(keys: keys.map(\.publicKey), threshold: threshold)
        try write(JSONEncoder().encode(policy.file))
    }

    func write(_ data: Data) throws {
        let temporary = directory + "/.trust.\(UUID().uuidString)"
        try data.write(to: URL(fileURLWithPath: temporary))
        chmod(temporary, 0o644)
        guard rename(temporary, path) == 0 else { throw FixtureError("cannot rename the trust file") }
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Apply events of a node, kept for assertions.
final class EventLog: Sendable {
    private final class Events: Sendable {
        let list = Mutex<[ApplyEvent]>([])
    }
    private let events: Events
    private let task: Task<Void, Never>

    init(_ node: Node) {
        let stream = node.events
        let events = Events()
        self.events = events
        task = Task { for await event in stream { events.list.withLock { $0.append(event) } } }
    }

    /// The refusals so far.
    var refused: [ApplyEvent.Refused] {
        events.list.withLock { $0.compactMap { if case .refused(let r) = $0 { r } else { nil } } }
    }

    deinit { task.cancel() }
}
