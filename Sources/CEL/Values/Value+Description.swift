extension Value: CustomStringConvertible {
    /// The value in CEL literal syntax where one exists: `1`, `1u`, `1.5`, `"a"`, `b"\x00"`,
    /// `[1, 2]`, `{"k": v}`, `null`, `int`, `timestamp("2020-01-01T00:00:00Z")`,
    /// `duration("1.5s")`, `ip("10.0.0.1")`, `cidr("10.0.0.0/8")`, `optional.of(1)`, `optional.none()`; errors as `error("message")`.
    /// Lists and maps nested deeper than `Value.maxTraversalDepth` print as `[...]`/`{...}`.
    public var description: String {
        var out = ""
        describe(into: &out, depth: 0)
        return out
    }

    /// Appends the description; containers recurse through small frames only.
    private func describe(into out: inout String, depth: Int) {
        switch self {
        case .list(let items):
            guard depth < Value.maxTraversalDepth else { return out += "[...]" }
            Value.describe(items, into: &out, depth: depth)
        case .map(let m):
            guard depth < Value.maxTraversalDepth else { return out += "{...}" }
            Value.describe(m, into: &out, depth: depth)
        case .optional(let o):
            guard let v = o.value else { return out += "optional.none()" }
            guard depth < Value.maxTraversalDepth else { return out += "optional.of(...)" }
            out += "optional.of("
            v.describe(into: &out, depth: depth + 1)
            out += ")"
        default:
            out += scalarDescription
        }
    }

    @inline(never)
    private static func describe(_ items: [Value], into out: inout String, depth: Int) {
        out += "["
        for (i, item) in items.enumerated() {
            if i > 0 { out += ", " }
            item.describe(into: &out, depth: depth + 1)
        }
        out += "]"
    }

    @inline(never)
    private static func describe(_ m: CELMap, into out: inout String, depth: Int) {
        out += "{"
        for i in 0..<m.count {
            if i > 0 { out += ", " }
            m.keys[i].describe(into: &out, depth: depth + 1)
            out += ": "
            m.values[i].describe(into: &out, depth: depth + 1)
        }
        out += "}"
    }

    /// The description of a value that is not a list, map or optional.
    @inline(never)
    private var scalarDescription: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .uint(let u): return "\(u)u"
        case .double(let d):
            if d.isNaN { return "double(\"NaN\")" }
            if d.isInfinite { return d < 0 ? "double(\"-Infinity\")" : "double(\"Infinity\")" }
            return DoubleFormatting.roundTrip(d)
        case .string(let s): return Value.quoted(s)
        case .bytes(let b):
            var out = "b\""
            for byte in b {
                switch byte {
                case UInt8(ascii: "\""): out += "\\\""
                case UInt8(ascii: "\\"): out += "\\\\"
                case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(byte))
                default:
                    let hex = String(byte, radix: 16)
                    out += "\\x" + (hex.count == 1 ? "0" + hex : hex)
                }
            }
            return out + "\""
        case .type(let t): return t.runtimeName
        case .timestamp(let t): return "timestamp(\"\(ValueText.rfc3339(t))\")"
        case .duration(let d): return "duration(\"\(ValueText.duration(d))\")"
        case .ip(let ip): return "ip(\"\(ip.canonicalText)\")"
        case .cidr(let cidr): return "cidr(\"\(cidr.canonicalText)\")"
        case .error(let e): return "error(\(Value.quoted(e.message)))"
        case .list, .map, .optional: return description
        }
    }

    /// A double-quoted CEL string literal with the necessary escapes.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                out += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
