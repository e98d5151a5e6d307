/// A statement parameter. Values are always sent separately from the SQL text (`$1`, `$2`, …),
/// never spliced into it.
///
/// Text-like values are sent as text and their type is inferred by the server from the
/// statement; `bytes` is sent as binary `bytea` and the arrays as `text[]` / `bigint[]`.
public enum PQValue: Sendable, Hashable {
    case null
    case text(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case bytes([UInt8])
    case textArray([String])
    case int64Array([Int64])
}

extension PQValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(nilLiteral: ()) { self = .null }
}

extension PQValue {
    /// `.int` of a Swift `Int`.
    public static func int(_ value: Int) -> PQValue { .int(Int64(value)) }

    /// `.int(Int64(value))` for `Int32`.
    public static func int(_ value: Int32) -> PQValue { .int(Int64(value)) }

    /// `.text(value)`, or `.null` for `nil`.
    public static func optionalText(_ value: String?) -> PQValue { value.map(PQValue.text) ?? .null }

    /// How the value travels: type OID (0 = let the server infer it), format, and bytes.
    struct Wire {
        var typeOID: UInt32
        var binary: Bool
        var bytes: [UInt8]?
    }

    func wire(position: Int) throws(PQError) -> Wire {
        switch self {
        case .null:
            return Wire(typeOID: 0, binary: false, bytes: nil)
        case .text(let string):
            guard !string.utf8.contains(0) else {
                throw PQError(
                    kind: .query,
                    message: "parameter $\(position) contains a NUL character, which PostgreSQL text cannot store")
            }
            return Wire(typeOID: 0, binary: false, bytes: Array(string.utf8))
        case .int(let value):
            return Wire(typeOID: 0, binary: false, bytes: Array(String(value).utf8))
        case .double(let value):
            return Wire(typeOID: 0, binary: false, bytes: Array(Self.text(of: value).utf8))
        case .bool(let value):
            return Wire(typeOID: 0, binary: false, bytes: Array((value ? "t" : "f").utf8))
        case .bytes(let bytes):
            return Wire(typeOID: 17, binary: true, bytes: bytes)
        case .textArray(let strings):
            var literal = "{"
            for (index, element) in strings.enumerated() {
                guard !element.utf8.contains(0) else {
                    throw PQError(
                        kind: .query,
                        message: "parameter $\(position) has an element with a NUL character, which PostgreSQL text cannot store")
                }
                if index > 0 { literal += "," }
                literal += "\""
                for character in element.unicodeScalars {
                    if character == "\"" || character == "\\" { literal += "\\" }
                    literal.unicodeScalars.append(character)
                }
                literal += "\""
            }
            literal += "}"
            return Wire(typeOID: 1009, binary: false, bytes: Array(literal.utf8))
        case .int64Array(let values):
            let literal = "{" + values.map(String.init).joined(separator: ",") + "}"
            return Wire(typeOID: 1016, binary: false, bytes: Array(literal.utf8))
        }
    }

    /// PostgreSQL's spelling of a double: shortest round-trip digits, `NaN`, `±Infinity`.
    static func text(of value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        return "\(value)"
    }
}
