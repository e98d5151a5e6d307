import Foundation
import Testing

/// Files and standard input named on the command line are read with bounds: a FIFO, a
/// device or an oversized input is refused at once with the path and the reason, never
/// waited on or read until memory runs out. Before `InputFile`, a FIFO or a device got a
/// bare "cannot read input file" without the reason, an oversized file was read whole, and
/// `--expr -` read standard input to its end however long it was.
@Suite struct InputFileCLITests {
    static func scratch() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("inputs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test(.timeLimit(.minutes(1)), arguments: [
        (["eval", "--expr", "1", "--input"], "is not a regular file"),
        (["check", "--host"], "is not a regular file"),
    ])
    func aFIFOIsRefusedNotWaitedOn(command: [String], message: String) async throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = directory.appendingPathComponent("pipe").path
        #expect(mkfifo(fifo, 0o600) == 0)
        var arguments = command + [fifo]
        if command.first == "check" {
            try "fn v() = 1\n".write(to: directory.appendingPathComponent("m.hl"), atomically: true, encoding: .utf8)
            arguments.append(directory.path)
        }
        let (status, output) = try await runHotload(arguments, timeout: .seconds(20))
        #expect(status == 1, "\(output)")
        #expect(output.contains("\(fifo): \(message)"), "\(output)")
    }

    @Test(.timeLimit(.minutes(1))) func aDeviceIsRefused() async throws {
        let (status, output) = try await runHotload(["eval", "--expr", "1", "--input", "/dev/zero"], timeout: .seconds(20))
        #expect(status == 1)
        #expect(output.contains("/dev/zero: is not a regular file"), "\(output)")
    }

    @Test func anOversizedInputIsRefused() async throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("big.json")
        try Data(repeating: UInt8(ascii: " "), count: (16 << 20) + 1).write(to: file)
        let (status, output) = try await runHotload(["eval", "--expr", "1", "--input", file.path])
        #expect(status == 1)
        #expect(output.contains("big.json: is 16777217 bytes; input files are limited to 16777216"), "\(output)")
    }

    /// An expression on standard input larger than a source may be is refused after reading
    /// one byte more than the limit, not read to its end.
    @Test func endlessStandardInputIsRefused() async throws {
        let (status, output) = try await runHotload(["eval", "--expr", "-"], input: Data(repeating: UInt8(ascii: "1"), count: (1 << 20) + 100))
        #expect(status == 1)
        #expect(output.contains("the expression on standard input is larger than 1048576 bytes"), "\(output)")
    }
}
