/// The strings extension (cel-go `ext/strings.go`, latest version): charAt, indexOf,
/// lastIndexOf, lowerAscii, upperAscii, replace, split, join, substring, trim, format,
/// strings.quote and reverse. Indices count Unicode code points. Results longer than
/// `Limits.maxStringBytes` (or lists longer than `maxCollectionSize`) are errors.
public enum StringsExtension {
    public static func declarations(limits: Limits) -> [FunctionDecl] {
        let maxBytes = limits.maxStringBytes
        let maxItems = limits.maxCollectionSize
        return [
            FunctionDecl(name: "charAt", overloads: [
                member("string_char_at_int", [.string, .int], .string) { a in
                    guard case .string(let s) = a[0], case .int(let i) = a[1] else { return noOverload("charAt", a) }
                    return charAt(s, i)
                },
            ]),
            FunctionDecl(name: "indexOf", overloads: [
                member("string_index_of_string", [.string, .string], .int) { a in
                    guard case .string(let s) = a[0], case .string(let t) = a[1] else { return noOverload("indexOf", a) }
                    return indexOf(s, t, offset: 0)
                },
                member("string_index_of_string_int", [.string, .string, .int], .int) { a in
                    guard case .string(let s) = a[0], case .string(let t) = a[1], case .int(let o) = a[2] else {
                        return noOverload("indexOf", a)
                    }
                    return indexOf(s, t, offset: o)
                },
            ]),
            FunctionDecl(name: "lastIndexOf", overloads: [
                member("string_last_index_of_string", [.string, .string], .int) { a in
                    guard case .string(let s) = a[0], case .string(let t) = a[1] else { return noOverload("lastIndexOf", a) }
                    return lastIndexOf(s, t, offset: nil)
                },
                member("string_last_index_of_string_int", [.string, .string, .int], .int) { a in
                    guard case .string(let s) = a[0], case .string(let t) = a[1], case .int(let o) = a[2] else {
                        return noOverload("lastIndexOf", a)
                    }
                    return lastIndexOf(s, t, offset: o)
                },
            ]),
            FunctionDecl(name: "lowerAscii", overloads: [
                member("string_lower_ascii", [.string], .string) { a in
                    guard case .string(let s) = a[0] else { return noOverload("lowerAscii", a) }
                    return .string(mapASCII(s, from: 0x41...0x5A, delta: 32))
                },
            ]),
            FunctionDecl(name: "upperAscii", overloads: [
                member("string_upper_ascii", [.string], .string) { a in
                    guard case .string(let s) = a[0] else { return noOverload("upperAscii", a) }
                    return .string(mapASCII(s, from: 0x61...0x7A, delta: -32))
                },
            ]),
            FunctionDecl(name: "replace", overloads: [
                member("string_replace_string_string", [.string, .string, .string], .string) { a in
                    guard case .string(let s) = a[0], case .string(let old) = a[1], case .string(let new) = a[2] else {
                        return noOverload("replace", a)
                    }
                    return replace(s, old, new, limit: -1, maxBytes: maxBytes)
                },
                member("string_replace_string_string_int", [.string, .string, .string, .int], .string) { a in
                    guard case .string(let s) = a[0], case .string(let old) = a[1], case .string(let new) = a[2],
                          case .int(let n) = a[3] else { return noOverload("replace", a) }
                    return replace(s, old, new, limit: n, maxBytes: maxBytes)
                },
            ]),
            FunctionDecl(name: "split", overloads: [
                member("string_split_string", [.string, .string], .list(.string)) { a in
                    guard case .string(let s) = a[0], case .string(let sep) = a[1] else { return noOverload("split", a) }
                    return split(s, sep, limit: -1, maxItems: maxItems)
                },
                member("string_split_string_int", [.string, .string, .int], .list(.string)) { a in
                    guard case .string(let s) = a[0], case .string(let sep) = a[1], case .int(let n) = a[2] else {
                        return noOverload("split", a)
                    }
                    return split(s, sep, limit: n, maxItems: maxItems)
                },
            ]),
            FunctionDecl(name: "substring", overloads: [
                member("string_substring_int", [.string, .int], .string) { a in
                    guard case .string(let s) = a[0], case .int(let start) = a[1] else { return noOverload("substring", a) }
                    return substring(s, start, nil)
                },
                member("string_substring_int_int", [.string, .int, .int], .string) { a in
                    guard case .string(let s) = a[0], case .int(let start) = a[1], case .int(let end) = a[2] else {
                        return noOverload("substring", a)
                    }
                    return substring(s, start, end)
                },
            ]),
            FunctionDecl(name: "trim", overloads: [
                member("string_trim", [.string], .string) { a in
                    guard case .string(let s) = a[0] else { return noOverload("trim", a) }
                    return .string(trim(s))
                },
            ]),
            FunctionDecl(name: "join", overloads: [
                member("list_join", [.list(.string)], .string) { a in
                    guard case .list(let items) = a[0] else { return noOverload("join", a) }
                    return join(items, "", maxBytes: maxBytes)
                },
                member("list_join_string", [.list(.string), .string], .string) { a in
                    guard case .list(let items) = a[0], case .string(let sep) = a[1] else { return noOverload("join", a) }
                    return join(items, sep, maxBytes: maxBytes)
                },
            ]),
            FunctionDecl(name: "format", overloads: [
                member("string_format", [.string, .list(.dyn)], .string) { a in
                    guard case .string(let f) = a[0], case .list(let args) = a[1] else { return noOverload("format", a) }
                    return StringsFormat.format(f, args, maxBytes: maxBytes)
                },
            ]),
            FunctionDecl(name: "strings.quote", overloads: [
                Overload(id: "strings_quote", params: [.string], result: .string, implementation: .unary { v in
                    guard case .string(let s) = v else { return noOverload("strings.quote", [v]) }
                    return checked(quote(s), maxBytes: maxBytes)
                }),
            ]),
            FunctionDecl(name: "reverse", overloads: [
                member("string_reverse", [.string], .string) { a in
                    guard case .string(let s) = a[0] else { return noOverload("reverse", a) }
                    return .string(String(String.UnicodeScalarView(s.unicodeScalars.reversed())))
                },
            ]),
        ]
    }

    // MARK: - Implementations (public so hosts and tests can call them directly)

    /// The code point at `index`; `""` at the end; an error beyond it.
    public static func charAt(_ s: String, _ index: Int64) -> Value {
        withUTF8(s) { bytes in
            guard let at = UTF8Scan.offset(ofScalar: index, in: bytes) else { return outOfRange(index) }
            if at == bytes.count { return .string("") }
            let end = UTF8Scan.offset(ofScalar: 1, in: bytes, from: at) ?? bytes.count
            return .string(String(decoding: UnsafeBufferPointer(rebasing: bytes[at..<end]), as: UTF8.self))
        }
    }

    /// First code-point index of `t` at or after `offset`, or -1.
    public static func indexOf(_ s: String, _ t: String, offset: Int64) -> Value {
        withUTF8(s) { hay in
            guard let from = UTF8Scan.offset(ofScalar: offset, in: hay) else { return outOfRange(offset) }
            if t.isEmpty { return .int(offset) }
            let needle = Array(t.utf8)
            guard let p = Searcher(needle).first(in: hay, from: from) else { return .int(-1) }
            return .int(offset + Int64(UTF8Scan.scalarCount(hay, from, p)))
        }
    }

    /// Last code-point index of `t` starting at or before `offset` (default: the end), or -1.
    public static func lastIndexOf(_ s: String, _ t: String, offset: Int64?) -> Value {
        withUTF8(s) { hay in
            let lastByte: Int
            if let offset {
                guard let at = UTF8Scan.offset(ofScalar: offset, in: hay) else { return outOfRange(offset) }
                if t.isEmpty { return .int(offset) }
                lastByte = at
            } else {
                lastByte = hay.count
                if t.isEmpty { return .int(Int64(UTF8Scan.scalarCount(hay, 0, hay.count))) }
            }
            let needle = Array(t.utf8)
            guard let p = Searcher(needle.reversed()).last(in: hay, startingAtOrBefore: lastByte) else {
                return .int(-1)
            }
            return .int(Int64(UTF8Scan.scalarCount(hay, 0, p)))
        }
    }

    /// Runs `body` over the string's UTF-8 bytes in place (a copy only for a non-native string).
    static func withUTF8<R>(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        var s = s
        return s.withUTF8(body)
    }

    private static func mapASCII(_ s: String, from range: ClosedRange<UInt8>, delta: Int) -> String {
        guard s.utf8.contains(where: range.contains) else { return s }
        let bytes = s.utf8.map { range.contains($0) ? UInt8(Int($0) + delta) : $0 }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Go's `strings.Replace`: at most `limit` replacements (all when negative); an empty
    /// `old` matches before each code point and at the end.
    public static func replace(_ s: String, _ old: String, _ new: String, limit: Int64, maxBytes: Int) -> Value {
        if limit == 0 || old == new { return .string(s) }
        return withUTF8(s) { hay in
            let needle = Array(old.utf8)
            let replacement = Array(new.utf8)
            var positions: [Int] = []
            if needle.isEmpty {
                var i = 0
                while i <= hay.count, limit < 0 || positions.count < limit {
                    positions.append(i)
                    i += i == hay.count ? 1 : utf8Length(hay[i])
                }
            } else {
                let searcher = Searcher(needle)
                var i = 0
                while limit < 0 || positions.count < limit, let p = searcher.first(in: hay, from: i) {
                    positions.append(p)
                    i = p + needle.count
                }
            }
            let (grow, o1) = (replacement.count - needle.count).multipliedReportingOverflow(by: positions.count)
            let (size, o2) = hay.count.addingReportingOverflow(grow)
            if o1 || o2 || size > maxBytes { return tooLong(maxBytes) }
            var out: [UInt8] = []
            out.reserveCapacity(size)
            var from = 0
            for p in positions {
                out += hay[from..<p]
                out += replacement
                from = p + needle.count
            }
            out += hay[from...]
            return .string(String(decoding: out, as: UTF8.self))
        }
    }

    private static func utf8Length(_ lead: UInt8) -> Int {
        lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
    }

    /// Go's `strings.SplitN`: `limit` 0 gives `[]`, negative splits everywhere; an empty
    /// separator splits into code points.
    public static func split(_ s: String, _ sep: String, limit: Int64, maxItems: Int) -> Value {
        if limit == 0 { return .list([]) }
        let max = limit < 0 ? Int.max : Int(clamping: limit)
        var parts: [Value] = []
        if sep.isEmpty {
            var scalars = s.unicodeScalars[...]
            while let first = scalars.first {
                if parts.count == max - 1 {
                    parts.append(.string(String(scalars)))
                    break
                }
                parts.append(.string(String(first)))
                scalars = scalars.dropFirst()
                if parts.count > maxItems { return tooMany(maxItems) }
            }
            return .list(parts)
        }
        return withUTF8(s) { hay in
            let searcher = Searcher(Array(sep.utf8))
            var start = 0
            while parts.count < max - 1, let p = searcher.first(in: hay, from: start) {
                parts.append(.string(String(decoding: UnsafeBufferPointer(rebasing: hay[start..<p]), as: UTF8.self)))
                if parts.count > maxItems { return tooMany(maxItems) }
                start = p + searcher.needle.count
            }
            parts.append(.string(String(decoding: UnsafeBufferPointer(rebasing: hay[start...]), as: UTF8.self)))
            return parts.count > maxItems ? tooMany(maxItems) : .list(parts)
        }
    }

    /// Code points `start..<end` (to the end when `end` is nil).
    public static func substring(_ s: String, _ start: Int64, _ end: Int64?) -> Value {
        if let end, start > end { return .error(CELError("invalid substring range. start: \(start), end: \(end)")) }
        return withUTF8(s) { bytes in
            guard let from = UTF8Scan.offset(ofScalar: start, in: bytes) else { return outOfRange(start) }
            var to = bytes.count
            if let end {
                guard let stop = UTF8Scan.offset(ofScalar: end - start, in: bytes, from: from) else {
                    return outOfRange(end)
                }
                to = stop
            }
            return .string(String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<to]), as: UTF8.self))
        }
    }

    /// Removes leading and trailing Unicode white space (the `White_Space` property, as Go's `unicode.IsSpace`).
    public static func trim(_ s: String) -> String {
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }

    /// Joins a list of strings; any other element is an error. The result's size is
    /// computed, and refused above `maxBytes`, before anything is copied.
    public static func join(_ items: [Value], _ sep: String, maxBytes: Int) -> Value {
        var size = 0
        for (k, item) in items.enumerated() {
            guard case .string(let s) = item else {
                if item.isError { return item }
                return .error(CELError("join: list element \(k) is \(item.runtimeType.runtimeName), not string"))
            }
            size += s.utf8.count + (k > 0 ? sep.utf8.count : 0)
            if size > maxBytes { return tooLong(maxBytes) }
        }
        var out = ""
        out.reserveCapacity(size)
        for (k, item) in items.enumerated() {
            guard case .string(let s) = item else { continue }
            if k > 0 { out += sep }
            out += s
        }
        return .string(out)
    }

    /// Wraps in double quotes, escaping `\a \b \f \n \r \t \v \\ \"` (cel-go's `strings.quote`).
    public static func quote(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{0B}": out += "\\v"
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }

    // MARK: - Helpers

    /// Knuth–Morris–Pratt search: linear in the input, so no pair of strings can make
    /// `indexOf`, `replace` or `split` quadratic.
    struct Searcher<T: Equatable> {
        let needle: [T]
        private var failure: [Int]

        /// `needle` must not be empty.
        init<C: Collection<T>>(_ needle: C) {
            let needle = Array(needle)
            self.needle = needle
            failure = [Int](repeating: 0, count: needle.count)
            var k = 0
            for i in needle.indices.dropFirst() {
                while k > 0 && needle[i] != needle[k] { k = failure[k - 1] }
                if needle[i] == needle[k] { k += 1 }
                failure[i] = k
            }
        }

        /// The first index at or after `start` where `needle` occurs in `hay`.
        func first(in hay: [T], from start: Int) -> Int? {
            hay.withUnsafeBufferPointer { first(in: $0, from: start) }
        }

        /// The first index at or after `start` where `needle` occurs in `hay`.
        func first(in hay: UnsafeBufferPointer<T>, from start: Int) -> Int? {
            guard !needle.isEmpty, start >= 0 else { return nil }
            var k = 0
            var i = start
            while i < hay.count {
                while k > 0 && hay[i] != needle[k] { k = failure[k - 1] }
                if hay[i] == needle[k] { k += 1 }
                if k == needle.count { return i - needle.count + 1 }
                i += 1
            }
            return nil
        }

        /// With a reversed needle: the last index at or before `last` where the original
        /// needle occurs in `hay`, scanning backwards (linear, nothing copied).
        func last(in hay: UnsafeBufferPointer<T>, startingAtOrBefore last: Int) -> Int? {
            guard !needle.isEmpty, last >= 0 else { return nil }
            var k = 0
            var i = min(hay.count, last + needle.count) - 1
            while i >= 0 {
                while k > 0 && hay[i] != needle[k] { k = failure[k - 1] }
                if hay[i] == needle[k] { k += 1 }
                if k == needle.count { return i }
                i -= 1
            }
            return nil
        }
    }

    private static func member(_ id: String, _ params: [CELType], _ result: CELType,
                               _ body: @escaping @Sendable ([Value]) -> Value) -> Overload {
        let implementation: Implementation
        switch params.count {
        case 1: implementation = .unary { body([$0]) }
        case 2: implementation = .binary { body([$0, $1]) }
        case 3: implementation = .ternary { body([$0, $1, $2]) }
        default: implementation = .variadic(body)
        }
        return Overload(id: id, isInstance: true, params: params, result: result, implementation: implementation)
    }

    static func checked(_ s: String, maxBytes: Int) -> Value {
        s.utf8.count > maxBytes ? tooLong(maxBytes) : .string(s)
    }

    static func tooLong(_ maxBytes: Int) -> Value {
        .error(CELError("string result exceeds the limit of \(maxBytes) bytes (Limits.maxStringBytes)"))
    }

    private static func tooMany(_ maxItems: Int) -> Value {
        .error(CELError("list result exceeds the limit of \(maxItems) elements (Limits.maxCollectionSize)"))
    }

    private static func outOfRange(_ index: Int64) -> Value {
        .error(CELError("index out of range: \(index)"))
    }

    private static func noOverload(_ function: String, _ args: [Value]) -> Value {
        if let e = args.first(where: \.isError) { return e }
        let types = args.map { $0.runtimeType.runtimeName }.joined(separator: ", ")
        return .error(CELError("no such overload: \(function)(\(types))"))
    }
}

/// Code-point positions in UTF-8 bytes, counted in place.
enum UTF8Scan {
    /// The byte offset of the code point `index` code points after byte `start` (the end
    /// of the bytes for the last one); nil when the bytes hold fewer code points.
    static func offset(ofScalar index: Int64, in bytes: UnsafeBufferPointer<UInt8>, from start: Int = 0) -> Int? {
        guard index >= 0 else { return nil }
        var remaining = index
        var i = start
        while remaining > 0 {
            guard i < bytes.count else { return nil }
            i += 1
            while i < bytes.count, bytes[i] & 0xC0 == 0x80 { i += 1 }
            remaining -= 1
        }
        return i
    }

    /// The number of code points that start in `bytes[from..<to]`.
    static func scalarCount(_ bytes: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Int {
        var n = 0
        var i = from
        while i < to {
            if bytes[i] & 0xC0 != 0x80 { n += 1 }
            i += 1
        }
        return n
    }
}
