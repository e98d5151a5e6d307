import CEL
import Foundation
import HotloadNode
import Logging
import PostgresHarness
import PQ
import Synchronization
import Testing

/// Log lines (message and metadata) kept for assertions.
final class CollectedLog: Sendable {
    let lines = Mutex<[String]>([])

    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    func logger(_ label: String) -> Logger {
        Logger(label: label) { _ in CollectingLogHandler(log: self) }
    }
}

struct CollectingLogHandler: LogHandler {
    let log: CollectedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let fields = all.sorted { $0.key < $1.key }.map { "\($0)=\($1)" }.joined(separator: " ")
        log.lines.withLock { $0.append("\(event.level) \(event.message) \(fields)") }
    }
}

/// The offline cache: private files, verified on load, tied to one database.
@Suite struct ReleaseCacheTests {
    private func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? Int ?? -1) & 0o777
    }

    private func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("hotload-cache-\(UUID().uuidString)").path
    }

    /// Starts a node that cannot reach any database and returns how its start ended.
    private func startOffline(_ fixture: NodeFixture, cache: String, log: CollectedLog) async -> (Node, (any Error)?) {
        var configuration = fixture.configuration(name: "offline", cache: cache)
        configuration.database = "postgresql://127.0.0.1:1/nothing"
        configuration.connectTimeout = .seconds(1)
        let node = Node(configuration: configuration, logger: log.logger("offline"))
        do {
            try await node.run()
            return (node, nil)
        } catch {
            return (node, error)
        }
    }

    @Test func filesArePrivateAndATamperedOrExposedCacheIsRefused() async throws {
        let fixture = try await NodeFixture.make()
        let cache = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: cache) }
        // A directory that already exists with a looser mode is narrowed.
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        let release = try await fixture.push(["m": "fn v() = 7"])
        let online = RunningNode.start(fixture.configuration(name: "cached", cache: cache))
        try await online.waitFor(release: release)
        await online.stop()
        let file = cache + "/main.release.json"
        #expect(try mode(cache) == 0o700)
        #expect(try mode(file) == 0o600)
        #expect(try mode(cache + "/database.json") == 0o600)
        let original = try String(contentsOfFile: file, encoding: .utf8)
        #expect(original.contains("fn v() = 7"))

        // A source that no longer matches its hash: refused, reported, not served.
        try original.replacingOccurrences(of: "fn v() = 7", with: "fn v() = 8").write(toFile: file, atomically: false, encoding: .utf8)
        let tamperedLog = CollectedLog()
        let (tampered, tamperedError) = await startOffline(fixture, cache: cache, log: tamperedLog)
        #expect(tamperedError is NodeStartError)
        #expect(tampered.current == nil)
        #expect(tamperedLog.text.contains("does not match its SHA-256"), "\(tamperedLog.text)")

        // The intact file is served again (the same check passes) ...
        try original.write(toFile: file, atomically: false, encoding: .utf8)
        let intact = RunningNode.start({
            var configuration = fixture.configuration(name: "offline-ok", cache: cache)
            configuration.database = "postgresql://127.0.0.1:1/nothing"
            configuration.connectTimeout = .seconds(1)
            return configuration
        }())
        try await intact.waitUntil("the intact cache is served") { intact.node.current != nil }
        #expect(try callInt(intact.node, "m", "v") == 7)
        await intact.stop()

        // ... but not once others may write it.
        #expect(chmod(file, 0o666) == 0)
        let exposedLog = CollectedLog()
        let (exposed, exposedError) = await startOffline(fixture, cache: cache, log: exposedLog)
        #expect(exposedError is NodeStartError)
        #expect(exposed.current == nil)
        #expect(exposedLog.text.contains("writable by group or others"), "\(exposedLog.text)")
        await fixture.close()
    }

    /// A node started from a cache that is not this database's truth — written for another
    /// database, with the same release and version numbers but other content — serves it
    /// (stale) only until the database answers, then fetches every source again and
    /// replaces it; the cache then holds this database's release.
    @Test func aCacheFromAnotherDatabaseIsReplacedNotStuck() async throws {
        let cache = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let other = try await NodeFixture.make()
        let otherRelease = try await other.push(["m": "fn v() = 7"])
        let writer = RunningNode.start(other.configuration(name: "writer", cache: cache))
        try await writer.waitFor(release: otherRelease)
        await writer.stop()
        await other.close()

        try await withThrowawayServer { server in
            let url = try await Harness.offload { () throws(HarnessError) -> String in try server.createDatabase("cache_target") }
            let fixture = try await NodeFixture.make(url: url)
            let release = try await fixture.push(["m": "fn v() = 1"])
            #expect(release == otherRelease)  // same release id and module version, other content
            await fixture.close()
            try await Harness.offload { () throws(HarnessError) in try server.stop() }

            var configuration = fixture.configuration(name: "moved", poll: .milliseconds(200), cache: cache)
            configuration.connectTimeout = .seconds(1)
            let running = RunningNode.start(configuration)
            try await running.waitUntil("the cached release is served") { running.node.current != nil }
            #expect(running.node.current?.stale == true)
            #expect(try callInt(running.node, "m", "v") == 7)

            try await Harness.offload { () throws(HarnessError) in try server.ensureRunning() }
            try await running.waitFor(release: release, timeout: .seconds(20))
            #expect(try callInt(running.node, "m", "v") == 1)
            #expect(running.node.status.errorRelease == nil)
            await running.stop()
            let identity = try String(contentsOfFile: cache + "/database.json", encoding: .utf8)
            #expect(identity.contains("cache_target"))
            let cached = try String(contentsOfFile: cache + "/main.release.json", encoding: .utf8)
            #expect(cached.contains("fn v() = 1"))
            #expect(!cached.contains("fn v() = 7"))
        }
    }
}
