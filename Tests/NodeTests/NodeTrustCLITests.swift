import Foundation
import HotloadStore
import Synchronization
import Testing

/// `hotload node --trust`: an unusable trust file stops the start with the flag named, and
/// SIGHUP re-reads the file.
@Suite struct NodeTrustCLITests {
    @Test func anUnusableTrustFileIsRefusedWithTheFlagNamed() async throws {
        let trust = try TrustFile([SigningKey()])
        defer { trust.remove() }
        chmod(trust.path, 0o666)
        let (status, output) = try await runHotload(["node", "--trust", trust.path, "--listen", "127.0.0.1:1",
                                                     "--database", "postgresql://127.0.0.1:1/nothing?connect_timeout=1"])
        #expect(status != 0)
        #expect(output.contains("\(trust.path): not a valid trust file: the file may be written by group or others"), "\(output)")
        #expect(output.contains("--trust"), "\(output)")
    }

    @Test func sighupReloadsTheTrustFile() async throws {
        let fixture = try await NodeFixture.make()
        let key = SigningKey()
        let trust = try TrustFile([key])
        defer { trust.remove() }
        let release = try await fixture.pushSigned(["m": "fn v() = 1"], by: [key])
        let process = Process()
        process.executableURL = try hotloadExecutable()
        process.arguments = ["node", "--trust", trust.path, "--name", "hangup", "--database", fixture.url,
                             "--listen", "127.0.0.1:\(Int.random(in: 20_000...60_000))"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let output = Output()
        let reader = pipe.fileHandleForReading
        Thread.detachNewThread {
            while case let data = reader.availableData, !data.isEmpty {
                output.text.withLock { $0 += String(decoding: data, as: UTF8.self) }
            }
        }
        try await output.wait(for: "applied release \(release)")
        // The file did not change: only the signal makes the node read it again.
        kill(process.processIdentifier, SIGHUP)
        try await output.wait(for: "trust file reloaded")
        process.terminate()
        await onThread { process.waitUntilExit() }
        await fixture.close()
    }

    private final class Output: Sendable {
        let text = Mutex("")

        func wait(for needle: String) async throws {
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline {
                if text.withLock({ $0.contains(needle) }) { return }
                try await Task.sleep(for: .milliseconds(20))
            }
            throw FixtureError("no '\(needle)' in the node's output: \(text.withLock { $0 })")
        }
    }
}
