/// Splits a SQL script into statements at top-level semicolons, so each can be sent with
/// the extended query protocol. Understands `--` and `/* */` comments, '...' strings
/// (with '' escapes and E'...' backslash escapes), "..." identifiers and $tag$...$tag$
/// bodies, which is all the migration files use.
enum SQLScript {
    static func statements(_ script: String) -> [String] {
        let s = Array(script.utf8)
        var out: [String] = []
        var start = 0
        var i = 0
        var hasContent = false

        func flush(_ end: Int) {
            if hasContent {
                let text = String(decoding: s[start..<end], as: UTF8.self)
                out.append(text.trimmingWhitespace())
            }
            hasContent = false
        }

        while i < s.count {
            let c = s[i]
            let next: UInt8? = i + 1 < s.count ? s[i + 1] : nil
            switch c {
            case UInt8(ascii: "-") where next == UInt8(ascii: "-"):
                while i < s.count, s[i] != UInt8(ascii: "\n") { i += 1 }
                continue
            case UInt8(ascii: "/") where next == UInt8(ascii: "*"):
                var depth = 1
                i += 2
                while i < s.count, depth > 0 {
                    if s[i] == UInt8(ascii: "*"), i + 1 < s.count, s[i + 1] == UInt8(ascii: "/") {
                        depth -= 1
                        i += 2
                    } else if s[i] == UInt8(ascii: "/"), i + 1 < s.count, s[i + 1] == UInt8(ascii: "*") {
                        depth += 1
                        i += 2
                    } else {
                        i += 1
                    }
                }
                continue
            case UInt8(ascii: "'"):
                let backslashEscapes = i > 0 && (s[i - 1] == UInt8(ascii: "E") || s[i - 1] == UInt8(ascii: "e"))
                hasContent = true
                i += 1
                while i < s.count {
                    if backslashEscapes, s[i] == UInt8(ascii: "\\") {
                        i += 2
                        continue
                    }
                    if s[i] == UInt8(ascii: "'") {
                        if i + 1 < s.count, s[i + 1] == UInt8(ascii: "'") {
                            i += 2
                            continue
                        }
                        break
                    }
                    i += 1
                }
                i += 1
                continue
            case UInt8(ascii: "\""):
                hasContent = true
                i += 1
                while i < s.count, s[i] != UInt8(ascii: "\"") { i += 1 }
                i += 1
                continue
            case UInt8(ascii: "$"):
                if let tagEnd = dollarTagEnd(s, from: i) {
                    let tag = Array(s[i...tagEnd])
                    hasContent = true
                    i = tagEnd + 1
                    while i < s.count {
                        if s[i] == UInt8(ascii: "$"), i + tag.count <= s.count,
                           Array(s[i..<(i + tag.count)]) == tag {
                            i += tag.count
                            break
                        }
                        i += 1
                    }
                    continue
                }
            case UInt8(ascii: ";"):
                flush(i)
                start = i + 1
                i += 1
                continue
            default:
                break
            }
            if !isSpace(c) { hasContent = true }
            i += 1
        }
        flush(s.count)
        return out
    }

    /// If `s[i]` opens a dollar quote (`$$` or `$tag$`), the index of its closing `$`.
    private static func dollarTagEnd(_ s: [UInt8], from i: Int) -> Int? {
        if i > 0, isIdentifierByte(s[i - 1]) { return nil }
        var j = i + 1
        while j < s.count {
            if s[j] == UInt8(ascii: "$") { return j }
            guard isIdentifierByte(s[j]), !(j == i + 1 && s[j] >= UInt8(ascii: "0") && s[j] <= UInt8(ascii: "9"))
            else { return nil }
            j += 1
        }
        return nil
    }

    private static func isIdentifierByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_") || b >= 0x80
    }

    private static func isSpace(_ b: UInt8) -> Bool {
        b == UInt8(ascii: " ") || b == UInt8(ascii: "\n") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r")
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let f = scalars.first, f.isWhitespace { scalars.removeFirst() }
        while let l = scalars.last, l.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
