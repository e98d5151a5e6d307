/// Type conversions `int`, `uint`, `double`, `string`, `bytes`, `bool`, `dyn` and `type`
/// (those involving timestamps and durations live in the time library).
enum CoreConversions {
    static func declarations() -> [FunctionDecl] {
        [
            FunctionDecl(name: "int", overloads: [
                Core.unary("int64_to_int64", .int, .int, identity),
                Core.unary("uint64_to_int64", .uint, .int, toInt),
                Core.unary("double_to_int64", .double, .int, toInt),
                Core.unary("string_to_int64", .string, .int, toInt),
            ]),
            FunctionDecl(name: "uint", overloads: [
                Core.unary("uint64_to_uint64", .uint, .uint, identity),
                Core.unary("int64_to_uint64", .int, .uint, toUInt),
                Core.unary("double_to_uint64", .double, .uint, toUInt),
                Core.unary("string_to_uint64", .string, .uint, toUInt),
            ]),
            FunctionDecl(name: "double", overloads: [
                Core.unary("double_to_double", .double, .double, identity),
                Core.unary("int64_to_double", .int, .double, toDouble),
                Core.unary("uint64_to_double", .uint, .double, toDouble),
                Core.unary("string_to_double", .string, .double, toDouble),
            ]),
            FunctionDecl(name: "string", overloads: [
                Core.unary("string_to_string", .string, .string, identity),
                Core.unary("bool_to_string", .bool, .string, toString),
                Core.unary("int64_to_string", .int, .string, toString),
                Core.unary("uint64_to_string", .uint, .string, toString),
                Core.unary("double_to_string", .double, .string, toString),
                Core.unary("bytes_to_string", .bytes, .string, toString),
            ]),
            FunctionDecl(name: "bytes", overloads: [
                Core.unary("bytes_to_bytes", .bytes, .bytes, identity),
                Core.unary("string_to_bytes", .string, .bytes) { a in
                    guard case .string(let s) = a else { return Core.noOverload("bytes", a) }
                    return .bytes(Array(s.utf8))
                },
            ]),
            FunctionDecl(name: "bool", overloads: [
                Core.unary("bool_to_bool", .bool, .bool, identity),
                Core.unary("string_to_bool", .string, .bool) { a in
                    guard case .string(let s) = a else { return Core.noOverload("bool", a) }
                    switch s {
                    case "1", "t", "T", "true", "TRUE", "True": return .bool(true)
                    case "0", "f", "F", "false", "FALSE", "False": return .bool(false)
                    default: return .error(.conversion("cannot convert \(a) to bool"))
                    }
                },
            ]),
            FunctionDecl(name: "dyn", overloads: [
                Core.unary("to_dyn", Core.a, .dyn, identity),
            ]),
            FunctionDecl(name: "type", overloads: [
                Core.unary("type", Core.a, .type(Core.a)) { a in .type(a.runtimeType) },
            ]),
        ]
    }

    @Sendable static func identity(_ a: Value) -> Value { a }

    /// `int(x)` from uint (range-checked), double (truncated; NaN, ±Inf and values outside
    /// the open interval (-2^63, 2^63) are errors, as in cel-go) and decimal strings.
    @Sendable static func toInt(_ a: Value) -> Value {
        switch a {
        case .int: return a
        case .uint(let u):
            return u <= UInt64(Int64.max) ? .int(Int64(u)) : rangeError(a, "int")
        case .double(let d):
            guard d.isFinite, d > -9.223372036854775808e18, d < 9.223372036854775808e18 else {
                return rangeError(a, "int")
            }
            return .int(Int64(d))
        case .string(let s):
            guard isDecimalInteger(s, allowSign: true), let i = Int64(s) else {
                return .error(.conversion("cannot convert \(a) to int"))
            }
            return .int(i)
        default: return Core.noOverload("int", a)
        }
    }

    /// `uint(x)` from int (non-negative), double (truncated; in [0, 2^64)) and decimal strings.
    @Sendable static func toUInt(_ a: Value) -> Value {
        switch a {
        case .uint: return a
        case .int(let i): return i >= 0 ? .uint(UInt64(i)) : rangeError(a, "uint")
        case .double(let d):
            guard d.isFinite, d >= 0, d < 1.8446744073709551616e19 else { return rangeError(a, "uint") }
            return .uint(UInt64(d))
        case .string(let s):
            guard isDecimalInteger(s, allowSign: false), let u = UInt64(s) else {
                return .error(.conversion("cannot convert \(a) to uint"))
            }
            return .uint(u)
        default: return Core.noOverload("uint", a)
        }
    }

    /// `double(x)` from int, uint (nearest double) and strings in decimal or exponent
    /// notation (also "NaN", "Inf", "-Infinity", as Go's ParseFloat).
    @Sendable static func toDouble(_ a: Value) -> Value {
        switch a {
        case .double: return a
        case .int(let i): return .double(Double(i))
        case .uint(let u): return .double(Double(u))
        case .string(let s):
            guard let d = parseDouble(s) else { return .error(.conversion("cannot convert \(a) to double")) }
            return .double(d)
        default: return Core.noOverload("double", a)
        }
    }

    /// `string(x)` from bool, int, uint, double (Go's shortest `%g`) and UTF-8 bytes.
    @Sendable static func toString(_ a: Value) -> Value {
        switch a {
        case .string: return a
        case .bool(let b): return .string(b ? "true" : "false")
        case .int(let i): return .string(String(i))
        case .uint(let u): return .string(String(u))
        case .double(let d): return .string(DoubleFormatting.goShortest(d))
        case .bytes(let b):
            guard let s = String(validating: b, as: UTF8.self) else {
                return .error(.conversion("invalid UTF-8 in bytes, cannot convert to string"))
            }
            return .string(s)
        default: return Core.noOverload("string", a)
        }
    }

    private static func rangeError(_ a: Value, _ type: String) -> Value {
        .error(CELError("range error: \(a) does not fit \(type)"))
    }

    /// An optional sign (when allowed) followed by one or more ASCII digits, as Go's ParseInt.
    static func isDecimalInteger(_ s: String, allowSign: Bool) -> Bool {
        var digits = 0
        for (i, c) in s.utf8.enumerated() {
            if c >= 48 && c <= 57 {
                digits += 1
            } else if i == 0 && allowSign && (c == UInt8(ascii: "-") || c == UInt8(ascii: "+")) {
                continue
            } else {
                return false
            }
        }
        return digits > 0
    }

    /// Decimal floats with an optional exponent, or the special values; nil otherwise.
    static func parseDouble(_ s: String) -> Double? {
        var body = Substring(s)
        var negative = false
        if let first = body.first, first == "+" || first == "-" {
            negative = first == "-"
            body = body.dropFirst()
        }
        switch body.lowercased() {
        case "inf", "infinity": return negative ? -.infinity : .infinity
        case "nan": return .nan
        default: break
        }
        var sawDigit = false, sawPoint = false, sawExponent = false, exponentDigits = false
        var previous: UInt8 = 0
        for c in body.utf8 {
            switch c {
            case 48...57:
                if sawExponent { exponentDigits = true } else { sawDigit = true }
            case UInt8(ascii: "."):
                if sawPoint || sawExponent { return nil }
                sawPoint = true
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                if sawExponent || !sawDigit { return nil }
                sawExponent = true
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                if previous != UInt8(ascii: "e") && previous != UInt8(ascii: "E") { return nil }
            default:
                return nil
            }
            previous = c
        }
        guard sawDigit, !sawExponent || exponentDigits, let d = Double(body) else { return nil }
        return negative ? -d : d
    }
}
