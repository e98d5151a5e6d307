import Foundation
@testable import HotloadCLI
import Testing

/// The systemd units of `Examples/systemd`: `systemd-analyze verify` accepts them (with the
/// built binary in place of `/usr/local/bin/hotload` and every commented credential line
/// switched on), the node's environment file sets only variables the node reads, and the
/// readiness probe waits for a live node's /healthz.
@Suite struct SystemdUnitTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Examples/systemd")

    @Test(arguments: ["hotload-node.service", "hotload-controller.service"])
    func systemdAnalyzeVerifyAcceptsTheUnit(_ unit: String) async throws {
        guard let analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"]
            .first(where: FileManager.default.isExecutableFile(atPath:)) else {
            Issue.record("systemd-analyze is missing: apt-get install systemd (scripts/prerequisites does)")
            return
        }
        let text = try String(contentsOf: Self.folder.appendingPathComponent(unit), encoding: .utf8)
            .replacing("/usr/local/bin/hotload", with: try hotloadExecutable().path)
            .replacing("\n#LoadCredential=", with: "\nLoadCredential=")
            .replacing("\n#Environment=", with: "\nEnvironment=")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("units-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent(unit)
        try Data(text.utf8).write(to: copy)
        let (status, output) = try await run(analyze, ["verify", copy.path])
        #expect(status == 0, "\(output)")
        #expect(output.isEmpty, "systemd-analyze verify warns: \(output)")
    }

    @Test func theNodeEnvironmentFileSetsOnlyVariablesTheNodeReads() throws {
        let text = try String(contentsOf: Self.folder.appendingPathComponent("node.env"), encoding: .utf8)
        let names = text.split(separator: "\n").filter { !$0.hasPrefix("#") && $0.contains("=") }
            .map { String($0.prefix { $0 != "=" }) }
        let known = Set(EnvironmentDefaults.node.map(\.variable)).union(["HOTLOAD_DATABASE_URL"])
        #expect(!names.isEmpty)
        #expect(Set(names).isSubset(of: known), "\(names)")
    }

    /// The unit's ExecStartPost= command (with systemd's `$$` unescaped) exits 0 once a node
    /// listening on `:PORT` (every interface) is healthy.
    @Test func theReadinessProbeWaitsForHealthz() async throws {
        let unit = try String(contentsOf: Self.folder.appendingPathComponent("hotload-node.service"), encoding: .utf8)
        let line = try #require(unit.split(separator: "\n").first { $0.hasPrefix("ExecStartPost=/bin/sh -c '") })
        let script = String(line.dropFirst("ExecStartPost=/bin/sh -c '".count).dropLast()).replacing("$$", with: "$")
        let fixture = try await NodeFixture.make()
        try await fixture.push(["m": "fn v() = 1"])
        let port = try RawHTTP.freePort()
        let node = Process()
        node.executableURL = try hotloadExecutable()
        node.arguments = ["node"]
        node.environment = ProcessInfo.processInfo.environment.merging(
            ["HOTLOAD_DATABASE_URL": fixture.url, "HOTLOAD_NODE_LISTEN": ":\(port)"]) { $1 }
        node.standardOutput = FileHandle.nullDevice
        node.standardError = FileHandle.nullDevice
        try node.run()
        defer { if node.isRunning { node.terminate() } }
        let (status, output) = try await run("/bin/sh", ["-c", script], environment: ["HOTLOAD_NODE_LISTEN": ":\(port)"])
        #expect(status == 0, "\(output)")
        #expect(RawHTTP.request(port: port, "GET", "/healthz")?.status == 200)
        node.terminate()
        await onThread { node.waitUntilExit() }
        #expect(node.terminationStatus == 0, "SIGTERM stops the node cleanly")
        await fixture.close()
    }

    /// Runs a program to its end (waiting on a thread of its own); its status and output.
    private func run(_ path: String, _ arguments: [String],
                     environment: [String: String] = [:]) async throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = await onThread { pipe.fileHandleForReading.readDataToEndOfFile() }
        await onThread { process.waitUntilExit() }
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
