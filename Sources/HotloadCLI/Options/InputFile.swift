import ArgumentParser
import HotloadModules

/// Files named on the command line (`--input`, `--host`), read with `BoundedFile`: a FIFO,
/// a device or an oversized file is refused with `error: PATH: why` (exit 1) instead of
/// hanging the command or exhausting its memory.
enum InputFile {
    /// The largest `--input` JSON file.
    static let maxInputBytes = 16 << 20
    /// The largest host declarations file.
    static let maxDeclarationBytes = 1 << 20

    /// The bytes of the file at `path`, at most `maxBytes`.
    static func read(_ path: String, maxBytes: Int = maxInputBytes) throws -> [UInt8] {
        do {
            return try BoundedFile.bytes(at: path, maxBytes: maxBytes, kind: "input files")
        } catch {
            Output.error("error: \(Output.safe(error.path)): \(error.message)")
            throw ExitCode.failure
        }
    }
}
