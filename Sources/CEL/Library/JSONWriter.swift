extension Value {
    /// Encodes the value as compact JSON text. The mapping (see `Values/README.md`):
    /// null, bools, strings and lists as themselves; ints and uints as numbers; finite
    /// doubles in their shortest round-trip form with a fraction or exponent (`1.0`,
    /// `1e+20`); NaN and ±infinity as the strings "NaN", "Infinity", "-Infinity"; bytes as
    /// a base64 string; timestamps as RFC 3339 strings; durations as strings like "1.5s";
    /// type values by name; an optional as its value or `null`; maps as objects whose keys
    /// are the string form of bool, int, uint or string keys.
    ///
    /// Throws for error values, for maps whose keys collide once stringified (`{1: a, '1': b}`),
    /// for nesting deeper than `maxDepth`, and for text longer than `maxBytes` (checked
    /// before each piece is appended, so no more than that is ever built). With `pretty`,
    /// arrays and objects are spread over lines indented by two spaces.
    public func json(pretty: Bool = false, maxDepth: Int = Value.maxTraversalDepth,
                     maxBytes: Int = Limits.default.maxStringBytes) throws(JSONError) -> String {
        String(decoding: try jsonData(pretty: pretty, maxDepth: maxDepth, maxBytes: maxBytes), as: UTF8.self)
    }

    /// The JSON text of ``json(pretty:maxDepth:maxBytes:)`` as UTF-8 bytes.
    public func jsonData(pretty: Bool = false, maxDepth: Int = Value.maxTraversalDepth,
                         maxBytes: Int = Limits.default.maxStringBytes) throws(JSONError) -> [UInt8] {
        var writer = JSONWriter(maxDepth: maxDepth, maxBytes: maxBytes, pretty: pretty)
        try writer.write(self, depth: 0)
        try writer.reserve(0)
        return writer.output
    }

    /// The compact JSON text of the value (see ``json(pretty:maxDepth:)``).
    public var jsonString: String {
        get throws(JSONError) { try json() }
    }
}

/// Appends JSON text for values to a byte buffer.
struct JSONWriter {
    var output: [UInt8] = []
    let maxDepth: Int
    let maxBytes: Int
    let pretty: Bool

    init(maxDepth: Int, maxBytes: Int, pretty: Bool) {
        self.maxDepth = maxDepth
        self.maxBytes = maxBytes
        self.pretty = pretty
        output.reserveCapacity(64)
    }

    /// Before an element of a container at `depth`: a comma after the first, then in pretty
    /// mode a line break and indentation.
    private mutating func separate(first: Bool, depth: Int) {
        if !first { output.append(UInt8(ascii: ",")) }
        newline(depth: depth + 1)
    }

    private mutating func newline(depth: Int) {
        guard pretty else { return }
        output.append(0x0A)
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * depth))
    }

    /// Refuses to grow the output by `bytes` more when that would pass `maxBytes`.
    func reserve(_ bytes: Int) throws(JSONError) {
        if output.count + bytes > maxBytes { throw JSONError("JSON text longer than \(maxBytes) bytes") }
    }

    /// Containers recurse through small frames only (`writeList`, `writeMap`), so each
    /// level of nesting takes little stack, even unoptimised.
    mutating func write(_ value: Value, depth: Int) throws(JSONError) {
        // Scalars and indentation are a few dozen bytes at most: checking that the text so
        // far fits bounds what is built; strings and bytes are checked at their size.
        try reserve(0)
        switch value {
        case .list(let items): try writeList(items, depth: depth)
        case .map(let m): try writeMap(m, depth: depth)
        case .optional(let o):
            guard let v = o.value else { return output.append(contentsOf: "null".utf8) }
            try write(v, depth: depth)
        default: try writeScalar(value, depth: depth)
        }
    }

    @inline(never)
    private mutating func writeList(_ items: [Value], depth: Int) throws(JSONError) {
        guard depth < maxDepth else { throw JSONError("nesting deeper than \(maxDepth)") }
        output.append(UInt8(ascii: "["))
        for (i, item) in items.enumerated() {
            separate(first: i == 0, depth: depth)
            try write(item, depth: depth + 1)
        }
        if !items.isEmpty { newline(depth: depth) }
        output.append(UInt8(ascii: "]"))
    }

    @inline(never)
    private mutating func writeMap(_ m: CELMap, depth: Int) throws(JSONError) {
        guard depth < maxDepth else { throw JSONError("nesting deeper than \(maxDepth)") }
        output.append(UInt8(ascii: "{"))
        // Only keys of other kinds can collide once stringified ({1: a, '1': b}).
        let stringKeysOnly = m.keys.allSatisfy { if case .string = $0 { true } else { false } }
        var names = Set<String>()
        for i in 0..<m.count {
            separate(first: i == 0, depth: depth)
            let name: String
            switch m.keys[i] {
            case .string(let s): name = s
            case .int(let k): name = String(k)
            case .uint(let k): name = String(k)
            case .bool(let k): name = k ? "true" : "false"
            case let other: throw JSONError("unsupported map key \(other)")
            }
            if !stringKeysOnly, !names.insert(name).inserted {
                throw JSONError("map keys collide as JSON object keys: \"\(name)\"")
            }
            try reserve(name.utf8.count + 4)
            writeString(name)
            try reserve(0)
            output.append(UInt8(ascii: ":"))
            if pretty { output.append(UInt8(ascii: " ")) }
            try write(m.values[i], depth: depth + 1)
        }
        if m.count > 0 { newline(depth: depth) }
        output.append(UInt8(ascii: "}"))
    }

    /// A value that is not a list or map.
    @inline(never)
    private mutating func writeScalar(_ value: Value, depth: Int) throws(JSONError) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let b): output.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): output.append(contentsOf: String(i).utf8)
        case .uint(let u): output.append(contentsOf: String(u).utf8)
        case .double(let d):
            if d.isNaN {
                writeString("NaN")
            } else if d.isInfinite {
                writeString(d < 0 ? "-Infinity" : "Infinity")
            } else {
                output.append(contentsOf: DoubleFormatting.roundTrip(d).utf8)
            }
        case .string(let s):
            try reserve(s.utf8.count + 2)
            writeString(s)
            try reserve(0)
        case .bytes(let b):
            try reserve((b.count + 2) / 3 * 4 + 2)
            writeString(JSONBase64.encode(b))
        case .type(let t): writeString(t.runtimeName)
        case .timestamp(let t): writeString(ValueText.rfc3339(t))
        case .duration(let d): writeString(ValueText.duration(d))
        case .ip(let ip): writeString(ip.canonicalText)
        case .cidr(let cidr): writeString(cidr.canonicalText)
        case .error(let e): throw JSONError("error value: \(e.message)")
        case .list, .map, .optional: try write(value, depth: depth)
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A JSON string literal: quotes, backslashes and control characters escaped; other
    /// characters as raw UTF-8.
    mutating func writeString(_ s: String) {
        output.append(UInt8(ascii: "\""))
        for c in s.utf8 {
            switch c {
            case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), c])
            case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), c])
            case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20, 0x7F:
                output.append(contentsOf: "\\u00".utf8)
                output.append(Self.hexDigits[Int(c >> 4)])
                output.append(Self.hexDigits[Int(c & 0xF)])
            default: output.append(c)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}

/// Standard base64 with padding (RFC 4648 §4), for bytes in JSON.
private enum JSONBase64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)])
            out.append(alphabet[Int(n & 63)])
            i += 3
        }
        let rest = bytes.count - i
        if rest > 0 {
            var n = UInt32(bytes[i]) << 16
            if rest == 2 { n |= UInt32(bytes[i + 1]) << 8 }
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(rest == 2 ? alphabet[Int(n >> 6 & 63)] : UInt8(ascii: "="))
            out.append(UInt8(ascii: "="))
        }
        return String(decoding: out, as: UTF8.self)
    }
}
