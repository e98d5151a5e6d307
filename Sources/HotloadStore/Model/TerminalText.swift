/// Text read from the database, made safe to print on a terminal.
///
/// Authors, messages, node names, hosts, error texts and role names are written by other
/// database roles; printed raw, a control character (ESC, CR, backspace, ...) could move
/// the cursor, rewrite earlier lines or change the terminal's state. Everything the CLI
/// and the node print from the database goes through `escaping`.
package enum TerminalText {
    /// `text` with every control character (C0, DEL and C1, Unicode category Cc) replaced by
    /// a visible escape: `\n`, `\r`, `\t`, or `\u{1B}` for the others.
    /// - Parameter keepingLineBreaks: keep `\n` and `\t` as they are (multi-line error
    ///   texts); every other control character is still escaped.
    package static func escaping(_ text: String, keepingLineBreaks: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard isControl(scalar) else {
                out.append(scalar)
                continue
            }
            switch scalar {
            case "\n" where keepingLineBreaks, "\t" where keepingLineBreaks: out.append(scalar)
            case "\n": out.append(contentsOf: #"\n"#.unicodeScalars)
            case "\r": out.append(contentsOf: #"\r"#.unicodeScalars)
            case "\t": out.append(contentsOf: #"\t"#.unicodeScalars)
            default:
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            }
        }
        return String(out)
    }

    /// C0, DEL and C1 (`[\x01-\x1f\x7f-\x9f]` in the SQL checks).
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
