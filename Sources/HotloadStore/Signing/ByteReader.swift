/// Reads the big-endian, length-prefixed fields that `ReleaseManifest.canonicalBytes()`
/// and the signed notification write; every read fails (nil) instead of running past the end.
struct ByteReader {
    private let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// True when every byte was read.
    var isAtEnd: Bool { offset == bytes.count }

    mutating func take(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, count <= bytes.count - offset else { return nil }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    mutating func byte() -> UInt8? { take(1)?.first }

    /// A 4-byte big-endian length.
    mutating func length() -> Int? {
        guard let raw = take(4) else { return nil }
        return raw.reduce(0) { $0 << 8 | Int($1) }
    }

    /// An 8-byte big-endian integer that fits `Int` without its sign bit.
    mutating func integer() -> Int? {
        guard let raw = take(8) else { return nil }
        let value = raw.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return value <= UInt64(Int.max) ? Int(value) : nil
    }

    /// A length and that many bytes of valid UTF-8.
    mutating func string() -> String? {
        guard let count = length(), let raw = take(count) else { return nil }
        return String(validating: raw, as: UTF8.self)
    }
}
