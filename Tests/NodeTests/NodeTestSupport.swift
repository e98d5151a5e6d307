import CEL
import Foundation
import HotloadModules
import HotloadNode
import HotloadStore
import PostgresHarness
import PQ

/// `CEL.Duration` (the CEL value type) would otherwise shadow the standard one here.
typealias Duration = Swift.Duration

/// A fresh, migrated database with helpers to push releases and run nodes.
struct NodeFixture {
    let url: String
    let store: Store

    static func make(url: String? = nil) async throws -> NodeFixture {
        let target: String
        if let url { target = url } else { target = try await TestDatabase.freshAsync() }
        let store = try await Store.connect(ConnectionConfiguration(target))
        _ = try await store.migrate()
        return NodeFixture(url: target, store: store)
    }

    /// Pushes `modules` (name → source) as one release (with `prune`, deleting the other
    /// modules of the channel); returns its id.
    @discardableResult
    func push(_ modules: [String: String], skipCheck: Bool = false, prune: Bool = false,
              message: String = "test") async throws -> Int64 {
        let files = modules.sorted { $0.key < $1.key }.map { ModuleFile(name: $0.key, path: $0.key + ".hl", text: $0.value) }
        let options = ReleaseOptions(author: "tests", message: message, skipCheck: skipCheck)
        let result = try await store.push(PushRequest(modules: files, prune: prune, options: options))
        guard let release = result.release else { throw FixtureError("push created no release") }
        return release
    }

    func configuration(name: String, poll: Duration = .seconds(60), cache: String? = nil) -> NodeConfiguration {
        NodeConfiguration(database: url, name: name, pollInterval: poll, backoffInitial: .milliseconds(20),
                          backoffCap: .milliseconds(500), pingInterval: .seconds(2),
                          heartbeatInterval: .milliseconds(200), cacheDirectory: cache,
                          connectTimeout: .seconds(3))
    }

    func close() async {
        await store.connection.close()
    }
}

/// A node running in a task, stopped by `stop()`.
struct RunningNode {
    let node: Node
    let task: Task<Void, any Error>

    static func start(_ configuration: NodeConfiguration) -> RunningNode {
        let node = Node(configuration: configuration)
        return RunningNode(node: node, task: Task { try await node.run() })
    }

    /// Waits until the node serves `release` (or a later one).
    func waitFor(release: Int64, timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let current = node.current?.release, current >= release, node.current?.stale == false { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw FixtureError("node \(node.configuration.name) did not apply release \(release) within \(timeout); it serves \(node.current?.release.description ?? "nothing")")
    }

    /// Waits until `condition` holds.
    func waitUntil(timeout: Duration = .seconds(10), _ what: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw FixtureError("timed out waiting for \(what)")
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Calls `module.function()` on the node's current release.
func callInt(_ node: Node, _ module: String, _ function: String, _ args: [Value] = []) throws -> Int64? {
    guard let loaded = node.current else { return nil }
    if case .int(let n) = try loaded.snapshot.call(module: module, function: function, args: args) { return n }
    return nil
}

/// The `hotload` executable next to the test bundle.
func hotloadExecutable() throws -> URL {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("hotload")
    guard FileManager.default.isExecutableFile(atPath: binary.path) else {
        throw FixtureError("\(binary.path) is missing: build the hotload product first (swift build --build-tests)")
    }
    return binary
}

/// Runs `body` on a thread of its own (not on Swift's cooperative pool) and awaits it: for
/// anything that blocks (reading a pipe, waiting for a process or for other threads).
func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: body()) }
    }
}

/// Runs the real `hotload` binary; returns its exit status and its output (stdout and stderr).
/// `input`, when given, is its standard input (else it inherits the test's). A run that
/// outlives `timeout` (a guard against hangs, not a timing) is terminated.
///
/// The output is read to its end while the program runs (so a program writing more than a
/// pipe holds never stalls), the input is written by another thread at the same time, and
/// the wait for the exit happens on a thread of its own: no cooperative thread blocks.
func runHotload(_ arguments: [String], environment: [String: String] = [:],
                directory: URL? = nil, input: Data? = nil,
                timeout: Duration = .seconds(60)) async throws -> (status: Int32, output: String) {
    try await runProgram(try hotloadExecutable(), arguments, environment: environment, directory: directory,
                         input: input, timeout: timeout)
}

/// Runs `executable` as `runHotload` runs `hotload` (output read while it runs, a
/// terminating guard after `timeout`).
func runProgram(_ executable: URL, _ arguments: [String], environment: [String: String] = [:],
                directory: URL? = nil, input: Data? = nil,
                timeout: Duration = .seconds(60)) async throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    if let directory { process.currentDirectoryURL = directory }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    let inputPipe = input.map { _ in Pipe() }
    if let inputPipe { process.standardInput = inputPipe }
    try process.run()
    let watchdog = Task {
        try await Task.sleep(for: timeout)
        process.terminate()
    }
    defer { watchdog.cancel() }
    if let input, let writer = inputPipe?.fileHandleForWriting {
        // A program that exits before reading everything must fail the write, not kill
        // the test process.
        signal(SIGPIPE, SIG_IGN)
        Thread.detachNewThread {
            try? writer.write(contentsOf: input)
            try? writer.close()
        }
    }
    let output = pipe.fileHandleForReading
    return await onThread {
        let data = output.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// `hotload node` as a child process on a free port; its output goes to a file.
struct NodeProcess {
    let process: Process
    let port: Int
    let logFile: URL
    /// The log is a temporary file of its own, removed by `stop()`.
    private var ownsLog = false

    /// Starts `hotload node --listen 127.0.0.1:PORT ARGUMENTS`, with `environment` added to
    /// the test's; its output goes to `log` (a fresh temporary file by default).
    static func start(_ arguments: [String], environment: [String: String] = [:],
                      log: URL? = nil) throws -> NodeProcess {
        let logFile = log ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("hotload-node-\(UUID().uuidString).log")
        let port = try RawHTTP.freePort()
        guard FileManager.default.createFile(atPath: logFile.path, contents: nil) else {
            throw FixtureError("cannot create \(logFile.path)")
        }
        let output = try FileHandle(forWritingTo: logFile)
        let process = Process()
        process.executableURL = try hotloadExecutable()
        process.arguments = ["node", "--listen", "127.0.0.1:\(port)"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = output
        process.standardError = output
        try process.run()
        try output.close()
        var node = NodeProcess(process: process, port: port, logFile: logFile)
        node.ownsLog = log == nil
        return node
    }

    /// Waits until `/healthz` names `release` (or a later one); a guard against hangs.
    func waitUntilServing(release: Int64) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        let port = port
        while ContinuousClock.now < deadline, process.isRunning {
            let health = await onThread { RawHTTP.request(port: port, "GET", "/healthz", timeout: .seconds(2)) }
            if let health, health.status == 200, let served = Int64(health.body.split(whereSeparator: \.isWhitespace).dropFirst(2).first ?? ""),
               served >= release {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw FixtureError("the node did not serve release \(release):\n\(log())")
    }

    func log() -> String {
        (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    }

    func stop() async {
        if process.isRunning { process.terminate() }
        await onThread { [process] in process.waitUntilExit() }
        if ownsLog { try? FileManager.default.removeItem(at: logFile) }
    }
}
