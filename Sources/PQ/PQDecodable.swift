import Foundation

/// A Swift type that can be decoded from PostgreSQL's text representation of a value.
///
/// Conforming: `String`, `Int`, `Int64`, `Int32`, `Double`, `Bool`, `[UInt8]` (bytea),
/// `Date` (timestamptz, timestamp as UTC, date) and `Optional` of any of these.
public protocol PQDecodable: Sendable {
    /// Decodes a non-NULL value from its text form.
    init(pqText text: String) throws(PQError)
    /// The value that SQL NULL decodes to, or `nil` when the type cannot represent NULL.
    static var pqNull: Self? { get }
}

extension PQDecodable {
    public static var pqNull: Self? { nil }
}

extension String: PQDecodable {
    public init(pqText text: String) throws(PQError) { self = text }
}

extension Int64: PQDecodable {
    public init(pqText text: String) throws(PQError) {
        guard let value = Int64(text) else { throw .decodingFailure(text, "a 64-bit integer") }
        self = value
    }
}

extension Int: PQDecodable {
    public init(pqText text: String) throws(PQError) {
        guard let value = Int(text) else { throw .decodingFailure(text, "an integer") }
        self = value
    }
}

extension Int32: PQDecodable {
    public init(pqText text: String) throws(PQError) {
        guard let value = Int32(text) else { throw .decodingFailure(text, "a 32-bit integer") }
        self = value
    }
}

extension Double: PQDecodable {
    public init(pqText text: String) throws(PQError) {
        switch text {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default:
            guard let value = Double(text), value.isFinite else {
                throw .decodingFailure(text, "a double precision number")
            }
            self = value
        }
    }
}

extension Bool: PQDecodable {
    public init(pqText text: String) throws(PQError) {
        switch text {
        case "t", "true": self = true
        case "f", "false": self = false
        default: throw .decodingFailure(text, "a boolean (t or f)")
        }
    }
}

extension Array: PQDecodable where Element == UInt8 {
    /// Decodes `bytea` in the hex format (`\x0a1b…`, PostgreSQL's default) or the legacy
    /// escape format.
    public init(pqText text: String) throws(PQError) {
        let utf8 = Array(text.utf8)
        if utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x") {
            self = try ByteaText.decodeHex(utf8[2...], original: text)
        } else {
            self = try ByteaText.decodeEscape(utf8, original: text)
        }
    }
}

extension Optional: PQDecodable where Wrapped: PQDecodable {
    public init(pqText text: String) throws(PQError) {
        self = .some(try Wrapped(pqText: text))
    }

    public static var pqNull: Wrapped?? { .some(.none) }
}

extension Date: PQDecodable {
    /// Decodes `timestamptz` / `timestamp` / `date` in the ISO DateStyle
    /// (`2024-05-01 12:30:00.123456+02`); a value without offset is taken as UTC;
    /// `infinity` and `-infinity` become `distantFuture` and `distantPast`.
    public init(pqText text: String) throws(PQError) {
        guard let seconds = TimestampText.secondsSince1970(text) else {
            throw .decodingFailure(text, "an ISO timestamp (DateStyle ISO)")
        }
        self = Date(timeIntervalSince1970: seconds)
    }
}

extension PQError {
    static func decodingFailure(_ text: String, _ expected: String) -> PQError {
        let shown = text.count > 60 ? String(text.prefix(60)) + "…" : text
        return PQError(kind: .decoding, message: "\"\(shown)\" is not \(expected)")
    }
}

/// bytea text formats.
enum ByteaText {
    static func decodeHex(_ digits: ArraySlice<UInt8>, original: String) throws(PQError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var high: UInt8?
        for character in digits {
            guard let nibble = hexValue(character) else {
                throw .decodingFailure(original, "bytea in hex format")
            }
            if let pending = high {
                bytes.append(pending << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        guard high == nil else { throw .decodingFailure(original, "bytea in hex format (odd digit count)") }
        return bytes
    }

    /// The escape format: `\\` is a backslash, `\ooo` an octal byte, anything else itself.
    static func decodeEscape(_ text: [UInt8], original: String) throws(PQError) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = 0
        let backslash = UInt8(ascii: "\\")
        while index < text.count {
            let byte = text[index]
            guard byte == backslash else {
                bytes.append(byte)
                index += 1
                continue
            }
            if index + 1 < text.count, text[index + 1] == backslash {
                bytes.append(backslash)
                index += 2
                continue
            }
            guard index + 3 < text.count else {
                throw .decodingFailure(original, "bytea in escape format")
            }
            var value: UInt16 = 0
            for offset in 1...3 {
                let digit = text[index + offset]
                guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "7") else {
                    throw .decodingFailure(original, "bytea in escape format")
                }
                value = value * 8 + UInt16(digit - UInt8(ascii: "0"))
            }
            guard value <= 255 else { throw .decodingFailure(original, "bytea in escape format") }
            bytes.append(UInt8(value))
            index += 4
        }
        return bytes
    }

    private static func hexValue(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return character - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
