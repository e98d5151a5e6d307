/// Removes passwords from connection strings and from any text that may echo one.
public enum Redaction {
    /// What replaces a password.
    public static let mask = "******"

    /// `text` with `password=…` values (conninfo or URL query) and URL user-info passwords
    /// (`scheme://user:secret@host`) replaced by `mask`.
    public static func redact(_ text: String) -> String {
        redactURLPasswords(redactKeywordPasswords(text))
    }

    /// Replaces the value after every `password` keyword followed by `=`.
    private static func redactKeywordPasswords(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var output = String.UnicodeScalarView()
        let keyword = Array("password".unicodeScalars)
        var index = 0
        while index < scalars.count {
            guard matches(keyword, in: scalars, at: index) else {
                output.append(scalars[index])
                index += 1
                continue
            }
            var cursor = index + keyword.count
            while cursor < scalars.count, scalars[cursor] == " " { cursor += 1 }
            guard cursor < scalars.count, scalars[cursor] == "=" else {
                output.append(contentsOf: scalars[index..<index + keyword.count])
                index += keyword.count
                continue
            }
            cursor += 1
            while cursor < scalars.count, scalars[cursor] == " " { cursor += 1 }
            output.append(contentsOf: scalars[index..<cursor])
            output.append(contentsOf: mask.unicodeScalars)
            if cursor < scalars.count, scalars[cursor] == "'" {
                // Quoted conninfo value: up to the closing quote, honouring backslash escapes.
                cursor += 1
                while cursor < scalars.count, scalars[cursor] != "'" {
                    cursor += scalars[cursor] == "\\" ? 2 : 1
                }
                cursor += 1
            } else {
                while cursor < scalars.count, !" \t\n\r&;,\"".unicodeScalars.contains(scalars[cursor]) {
                    cursor += 1
                }
            }
            index = min(cursor, scalars.count)
        }
        return String(output)
    }

    private static func matches(
        _ keyword: [Unicode.Scalar], in scalars: [Unicode.Scalar], at index: Int
    ) -> Bool {
        // No word-boundary check: `PGPASSWORD=` must be caught too, and masking a little too
        // much is harmless.
        guard index + keyword.count <= scalars.count else { return false }
        for offset in 0..<keyword.count where lowercased(scalars[index + offset]) != keyword[offset] {
            return false
        }
        return true
    }

    /// Replaces `secret` in every `scheme://user:secret@host`.
    private static func redactURLPasswords(_ text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let separator = rest.range(of: "://") {
            result += rest[..<separator.upperBound]
            rest = rest[separator.upperBound...]
            let authorityEnd =
                rest.firstIndex(where: { "/?# \t\n\"'".contains($0) }) ?? rest.endIndex
            let authority = rest[..<authorityEnd]
            if let at = authority.lastIndex(of: "@"),
                let colon = authority[..<at].firstIndex(of: ":")
            {
                result += authority[...colon]
                result += mask
                result += authority[at...]
            } else {
                result += authority
            }
            rest = rest[authorityEnd...]
        }
        return result + rest
    }

    private static func lowercased(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        ("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32) ?? scalar : scalar
    }
}
