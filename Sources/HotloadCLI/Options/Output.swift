#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import HotloadStore

/// Writing to stdout and stderr, exact bytes, and JSON.
enum Output {
    /// Writes text exactly as given to stdout (no newline added).
    static func raw(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Writes a line to stdout.
    static func line(_ text: String = "") {
        raw(text + "\n")
    }

    /// Writes a line to stderr. Error texts carry database text (role, node and module
    /// names, server messages), so control characters other than line breaks are escaped.
    static func error(_ text: String) {
        let safe = TerminalText.escaping(text, keepingLineBreaks: true)
        FileHandle.standardError.write(Data((safe.hasSuffix("\n") ? safe : safe + "\n").utf8))
    }

    /// Text from the database (names, authors, messages, hosts, errors) for one line of
    /// terminal output: every control character, line breaks included, shown escaped.
    static func safe(_ text: String) -> String {
        TerminalText.escaping(text)
    }

    /// Whether stdout is a terminal (colour only then, and never with NO_COLOR set).
    static var stdoutIsTerminal: Bool {
        isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }

    /// Prints a value as pretty, key-sorted JSON.
    static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(UInt8(ascii: "\n"))
        FileHandle.standardOutput.write(data)
    }

    /// `2026-11-21T10:57:18.123Z`.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
