import Foundation

/// Removes passwords from connection strings and from any text that may echo one.
///
/// Two mechanisms, used together wherever a connection string is known:
/// - patterns, for any text: the value after every `password=` (a conninfo value up to the
///   next unescaped blank, quoted values with their escapes, a URL query value up to `&`)
///   and the password in every URL's user info (`scheme://user:secret@host`, everything up to
///   the last `@` before the path, since libpq accepts `:`, `?`, `#` and more in it);
/// - the password itself: `secrets(in:)` extracts it from a connection string in every form
///   it may be echoed (as written, percent-decoded, unquoted), and `redact(_:secrets:)`
///   replaces each occurrence — libpq quotes a malformed percent-encoded password in its
///   parse error, where no pattern can recognise it. Passwords shorter than
///   `minimumSecretLength` are only masked by the patterns.
public enum Redaction {
    /// What replaces a password.
    public static let mask = "******"

    /// Shortest password that is also masked wherever it appears literally.
    public static let minimumSecretLength = 4

    /// `text` with `password=…` values (conninfo or URL query) and URL user-info passwords
    /// (`scheme://user:secret@host`) replaced by `mask`.
    public static func redact(_ text: String) -> String {
        redactURLPasswords(redactKeywordPasswords(text))
    }

    /// `text` with every occurrence of each secret (at least `minimumSecretLength`
    /// characters) replaced by `mask`, then with the patterns of `redact(_:)` applied.
    public static func redact(_ text: String, secrets: [String]) -> String {
        var result = text
        for secret in secrets.filter({ $0.count >= minimumSecretLength }).sorted(by: { $0.count > $1.count }) {
            result = result.replacingOccurrences(of: secret, with: mask)
        }
        return redact(result)
    }

    /// The password of `connectionString` (URL or conninfo) in the forms it may be echoed:
    /// as written, and decoded (percent-decoding for URLs, quotes and escapes for conninfo).
    public static func secrets(in connectionString: String?) -> [String] {
        guard let text = connectionString else { return [] }
        var found: [String] = []
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while let (start, end, quoted, inQuery) = nextKeywordValue(in: scalars, from: index) {
            let raw = String(String.UnicodeScalarView(scalars[start..<end]))
            found.append(raw)
            if quoted { found.append(unquoted(raw)) }
            if inQuery { found.append(percentDecoded(raw)) }
            index = max(end, start + 1)
        }
        // A whole connection string that is a URL: its user info runs to the first `/`
        // whatever it contains (blanks and quotes included), as libpq reads it.
        var authorities = urlAuthorities(text)
        if let scheme = text.range(of: "://"), text.hasPrefix("postgresql://") || text.hasPrefix("postgres://") {
            let rest = text[scheme.upperBound...]
            authorities.append(rest[..<(rest.firstIndex(of: "/") ?? rest.endIndex)])
        }
        for authority in authorities {
            if let range = passwordRange(inAuthority: authority) {
                let raw = String(authority[range])
                found.append(raw)
                found.append(percentDecoded(raw))
            }
        }
        var unique: [String] = []
        for secret in found where !secret.isEmpty && !unique.contains(secret) { unique.append(secret) }
        return unique
    }

    // MARK: - Keyword values

    private static func redactKeywordPasswords(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var output = String.UnicodeScalarView()
        var index = 0
        while let (start, end, _, _) = nextKeywordValue(in: scalars, from: index) {
            output.append(contentsOf: scalars[index..<start])
            output.append(contentsOf: mask.unicodeScalars)
            index = end
        }
        output.append(contentsOf: scalars[index...])
        return String(output)
    }

    /// The next value after `password` `=` from `from`: its scalar range (quotes included),
    /// whether it is quoted, and whether it sits in a URL query (after `?` or `&`).
    private static func nextKeywordValue(in scalars: [Unicode.Scalar], from: Int)
        -> (start: Int, end: Int, quoted: Bool, inQuery: Bool)?
    {
        let keyword = Array("password".unicodeScalars)
        var index = from
        while index < scalars.count {
            guard matches(keyword, in: scalars, at: index) else {
                index += 1
                continue
            }
            var cursor = index + keyword.count
            while cursor < scalars.count, scalars[cursor] == " " { cursor += 1 }
            guard cursor < scalars.count, scalars[cursor] == "=" else {
                index += keyword.count
                continue
            }
            cursor += 1
            while cursor < scalars.count, scalars[cursor] == " " { cursor += 1 }
            let inQuery = index > 0 && (scalars[index - 1] == "?" || scalars[index - 1] == "&")
            let start = cursor
            if cursor < scalars.count, scalars[cursor] == "'" {
                // Quoted conninfo value: up to the closing quote, honouring backslash escapes.
                cursor += 1
                while cursor < scalars.count, scalars[cursor] != "'" {
                    cursor += scalars[cursor] == "\\" ? 2 : 1
                }
                return (start, min(cursor + 1, scalars.count), true, inQuery)
            }
            // A URL query value ends at `&` or `#`; a conninfo value at an unescaped blank.
            let terminators: Set<Unicode.Scalar> = inQuery ? ["&", "#", " ", "\t", "\n", "\r"] : [" ", "\t", "\n", "\r"]
            while cursor < scalars.count, !terminators.contains(scalars[cursor]) {
                cursor += !inQuery && scalars[cursor] == "\\" ? 2 : 1
            }
            return (start, min(cursor, scalars.count), false, inQuery)
        }
        return nil
    }

    private static func matches(_ keyword: [Unicode.Scalar], in scalars: [Unicode.Scalar], at index: Int) -> Bool {
        // No word-boundary check: `PGPASSWORD=` must be caught too, and masking a little too
        // much is harmless.
        guard index + keyword.count <= scalars.count else { return false }
        for offset in 0..<keyword.count where lowercased(scalars[index + offset]) != keyword[offset] {
            return false
        }
        return true
    }

    // MARK: - URLs

    /// Replaces the password in every `scheme://user:secret@host`.
    private static func redactURLPasswords(_ text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let separator = rest.range(of: "://") {
            result += rest[..<separator.upperBound]
            rest = rest[separator.upperBound...]
            let authority = authorityPrefix(rest)
            if let range = passwordRange(inAuthority: authority) {
                result += authority[..<range.lowerBound]
                result += mask
                result += authority[range.upperBound...]
            } else {
                result += authority
            }
            rest = rest[authority.endIndex...]
        }
        return result + rest
    }

    /// After `://`: up to the path, or the end of the word. libpq looks for the user info up
    /// to the first `/`, so `?`, `#` and `:` may be part of a password; the `@` that ends the
    /// user info is the last one before the path.
    private static func authorityPrefix(_ text: Substring) -> Substring {
        let end = text.firstIndex(where: { "/ \t\n\r\"".contains($0) }) ?? text.endIndex
        return text[..<end]
    }

    private static func urlAuthorities(_ text: String) -> [Substring] {
        var found: [Substring] = []
        var rest = Substring(text)
        while let separator = rest.range(of: "://") {
            rest = rest[separator.upperBound...]
            found.append(authorityPrefix(rest))
        }
        return found
    }

    /// The password between the first `:` of the user info and its last `@`.
    private static func passwordRange(inAuthority authority: Substring) -> Range<Substring.Index>? {
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else { return nil }
        return authority.index(after: colon)..<at
    }

    // MARK: - Decoding

    private static func percentDecoded(_ text: String) -> String {
        var bytes: [UInt8] = []
        let utf8 = Array(text.utf8)
        var index = 0
        while index < utf8.count {
            if utf8[index] == UInt8(ascii: "%"), index + 2 < utf8.count,
               let value = UInt8(String(decoding: utf8[index + 1...index + 2], as: UTF8.self), radix: 16) {
                bytes.append(value)
                index += 3
            } else {
                bytes.append(utf8[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A conninfo value without its quotes and escapes.
    private static func unquoted(_ text: String) -> String {
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "'" { scalars.removeFirst() }
        if scalars.last == "'" { scalars.removeLast() }
        var output = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            if scalars[index] == "\\", index + 1 < scalars.count { index += 1 }
            output.append(scalars[index])
            index += 1
        }
        return String(output)
    }

    private static func lowercased(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        ("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32) ?? scalar : scalar
    }
}
