import Foundation

/// `"...".format([args])` with cel-go's (version 2) clause semantics:
/// `%s` any value except errors and optionals (lists and maps recursively, map entries
/// sorted by their formatted key), `%d` ints/uints/doubles, `%f`/`%e` with an optional
/// precision (default 6), `%b` bools/ints/uints, `%x`/`%X` ints/uints/strings/bytes,
/// `%o` ints/uints, `%%` a percent sign. Doubles NaN and ±Infinity print as `NaN`,
/// `Infinity`, `-Infinity` in every numeric clause.
enum StringsFormat {
    static let maxPrecision = 100

    private struct FormatError: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    static func format(_ template: String, _ args: [Value], maxBytes: Int) -> Value {
        var out: [UInt8] = []
        let f = Array(template.utf8)
        var i = 0
        var argIndex = 0
        do {
            while i < f.count {
                let c = f[i]
                guard c == UInt8(ascii: "%") else {
                    out.append(c)
                    i += 1
                    continue
                }
                if i + 1 < f.count, f[i + 1] == UInt8(ascii: "%") {
                    out.append(c)
                    i += 2
                    continue
                }
                guard i + 1 < f.count else { throw FormatError("unexpected end of string") }
                guard argIndex < args.count else { throw FormatError("index \(argIndex) out of range") }
                i += 1
                var precision: Int?
                if f[i] == UInt8(ascii: ".") {
                    i += 1
                    var p = 0
                    var digits = 0
                    while i < f.count, f[i] >= 0x30, f[i] <= 0x39 {
                        p = min(p * 10 + Int(f[i] - 0x30), 1_000_000)
                        digits += 1
                        i += 1
                    }
                    guard i < f.count else {
                        throw FormatError("could not parse formatting clause: could not find end of precision specifier")
                    }
                    guard digits > 0 else {
                        throw FormatError("could not parse formatting clause: missing precision")
                    }
                    guard p <= maxPrecision else {
                        throw FormatError("could not parse formatting clause: precision \(p) exceeds maximum allowed precision \(maxPrecision)")
                    }
                    precision = p
                }
                let verb = f[i]
                i += 1
                let arg = args[argIndex]
                argIndex += 1
                if case .error = arg { return arg }
                let text: String
                switch verb {
                case UInt8(ascii: "s"): text = try string(arg, allowance: maxBytes - out.count, depth: 0)
                case UInt8(ascii: "d"): text = try decimal(arg)
                case UInt8(ascii: "f"): text = try fixed(arg, precision ?? 6)
                case UInt8(ascii: "e"): text = try scientific(arg, precision ?? 6)
                case UInt8(ascii: "b"): text = try binary(arg)
                case UInt8(ascii: "x"): text = try hex(arg, upper: false)
                case UInt8(ascii: "X"): text = try hex(arg, upper: true)
                case UInt8(ascii: "o"): text = try octal(arg)
                default:
                    let name = String(decoding: f[(i - 1)..<min(f.count, i - 1 + utf8Width(verb))], as: UTF8.self)
                    throw FormatError("could not parse formatting clause: unrecognized formatting clause \"\(name)\"")
                }
                out += text.utf8
                if out.count > maxBytes { return StringsExtension.tooLong(maxBytes) }
            }
        } catch let error as FormatError {
            if error.message == overLimit.message { return StringsExtension.tooLong(maxBytes) }
            return .error(CELError(error.message))
        } catch {
            return .error(CELError("\(error)"))
        }
        guard out.count <= maxBytes else { return StringsExtension.tooLong(maxBytes) }
        return .string(String(decoding: out, as: UTF8.self))
    }

    private static func utf8Width(_ lead: UInt8) -> Int {
        lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
    }

    private static func clauseError(_ clause: String, _ allowed: String, _ v: Value) -> FormatError {
        FormatError("error during formatting: \(clause) can only be used on \(allowed), was given \(v.runtimeType.runtimeName)")
    }

    /// `%s`, refused (a `FormatError`) as soon as the text would exceed `allowance` bytes
    /// or the value nests deeper than `Value.maxTraversalDepth`: lists that share one big
    /// element many times cannot make it build more than the limit. Containers recurse
    /// through small frames only, so each level takes little stack, even unoptimised.
    private static func string(_ v: Value, allowance: Int, depth: Int) throws -> String {
        let text: String
        switch v {
        case .list(let items): text = try listText(items, allowance: allowance, depth: depth)
        case .map(let m): text = try mapText(m, allowance: allowance, depth: depth)
        default: text = try scalarText(v)
        }
        if text.utf8.count > allowance { throw overLimit }
        return text
    }

    @inline(never)
    private static func listText(_ items: [Value], allowance: Int, depth: Int) throws -> String {
        guard depth < Value.maxTraversalDepth else { throw tooDeep }
        var out = "["
        for (i, item) in items.enumerated() {
            if i > 0 { out += ", " }
            out += try string(item, allowance: allowance - out.utf8.count, depth: depth + 1)
            if out.utf8.count > allowance { throw overLimit }
        }
        return out + "]"
    }

    @inline(never)
    private static func mapText(_ m: CELMap, allowance: Int, depth: Int) throws -> String {
        guard depth < Value.maxTraversalDepth else { throw tooDeep }
        var entries: [(key: String, value: String)] = []
        var size = 2
        for (k, value) in zip(m.keys, m.values) {
            let key = try string(k, allowance: allowance - size, depth: depth + 1)
            size += key.utf8.count + 4
            let valueText = try string(value, allowance: allowance - size, depth: depth + 1)
            size += valueText.utf8.count
            if size > allowance { throw overLimit }
            entries.append((key, valueText))
        }
        entries.sort { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
        return "{" + entries.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
    }

    /// `%s` of a value that is not a list or map.
    @inline(never)
    private static func scalarText(_ v: Value) throws -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let n): return String(n)
        case .uint(let n): return String(n)
        case .double(let d): return shortestFixed(d)
        case .string(let s): return s
        case .bytes(let b): return String(decoding: b, as: UTF8.self)
        case .timestamp(let t): return TimeLibrary.format(t)
        case .duration(let d): return TimeLibrary.format(d)
        case .type(let t): return t.runtimeName
        case .ip(let ip): return ip.canonicalText
        case .cidr(let cidr): return cidr.canonicalText
        case .error(let e): throw FormatError(e.message)
        case .optional, .list, .map:
            throw FormatError("error during formatting: string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, durations, and timestamps, was given \(v.runtimeType.runtimeName)")
        }
    }

    /// Thrown by `%s` past its allowance; reported as `StringsExtension.tooLong`.
    private static let overLimit = FormatError("over the size limit")

    private static let tooDeep = FormatError(
        "error during formatting: value nested more than \(Value.maxTraversalDepth) levels deep (Value.maxTraversalDepth)")

    private static func special(_ d: Double) -> String? {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        return nil
    }

    /// Go's `strconv.FormatFloat(d, 'f', -1, 64)`: shortest round-trip digits, no exponent.
    static func shortestFixed(_ d: Double) -> String {
        if let s = special(d) { return s }
        let sign = d.sign == .minus ? "-" : ""
        if d == 0 { return sign + "0" }
        let (digits, point) = DoubleFormatting.shortestDigits(d)
        var out: [UInt8] = []
        if point <= 0 {
            out += "0.".utf8
            out += repeatElement(UInt8(ascii: "0"), count: -point)
            out += digits
        } else if point >= digits.count {
            out += digits
            out += repeatElement(UInt8(ascii: "0"), count: point - digits.count)
        } else {
            out += digits[..<point]
            out.append(UInt8(ascii: "."))
            out += digits[point...]
        }
        return sign + String(decoding: out, as: UTF8.self)
    }

    private static func decimal(_ v: Value) throws -> String {
        switch v {
        case .int(let n): return String(n)
        case .uint(let n): return String(n)
        case .double(let d): return shortestFixed(d)
        default: throw clauseError("decimal clause", "ints, uints, and doubles", v)
        }
    }

    private static func floating(_ v: Value, clause: String) throws -> Double {
        switch v {
        case .int(let n): return Double(n)
        case .uint(let n): return Double(n)
        case .double(let d): return d
        default: throw clauseError(clause, "ints, uints, and doubles", v)
        }
    }

    private static func fixed(_ v: Value, _ precision: Int) throws -> String {
        let d = try floating(v, clause: "fixed-point clause")
        return special(d) ?? String(format: "%.*f", Int32(precision), d)
    }

    private static func scientific(_ v: Value, _ precision: Int) throws -> String {
        let d = try floating(v, clause: "scientific clause")
        return special(d) ?? String(format: "%1.*e", Int32(precision), d)
    }

    private static func binary(_ v: Value) throws -> String {
        switch v {
        case .bool(let b): return b ? "1" : "0"
        case .int(let n): return String(n, radix: 2)
        case .uint(let n): return String(n, radix: 2)
        default: throw FormatError("error during formatting: only ints, uints, and bools can be formatted as binary, was given \(v.runtimeType.runtimeName)")
        }
    }

    private static func hex(_ v: Value, upper: Bool) throws -> String {
        let text: String
        switch v {
        case .int(let n): text = String(n, radix: 16)
        case .uint(let n): text = String(n, radix: 16)
        case .string(let s): text = hexBytes(Array(s.utf8))
        case .bytes(let b): text = hexBytes(b)
        default: throw FormatError("error during formatting: only ints, uints, bytes, and strings can be formatted as hex, was given \(v.runtimeType.runtimeName)")
        }
        return upper ? text.uppercased() : text
    }

    private static func hexBytes(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func octal(_ v: Value) throws -> String {
        switch v {
        case .int(let n): return String(n, radix: 8)
        case .uint(let n): return String(n, radix: 8)
        default: throw clauseError("octal clause", "ints and uints", v)
        }
    }
}
