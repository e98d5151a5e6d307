/// Reads the big-endian, length-prefixed fields that `ByteWriter` writes (the canonical
/// manifest and the signed notification); every read fails (nil) instead of running past the end.
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

/// Writes the fields `ByteReader` reads: a length is 4 bytes big-endian, an integer 8 bytes
/// big-endian, a string its UTF-8 length and bytes.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    mutating func byte(_ value: UInt8) { bytes.append(value) }

    mutating func raw<Bytes: Sequence>(_ values: Bytes) where Bytes.Element == UInt8 { bytes.append(contentsOf: values) }

    /// 4 bytes big-endian (callers keep lengths below 2^32).
    mutating func length(_ count: Int) {
        let value = UInt32(truncatingIfNeeded: count)
        bytes += [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8),
                  UInt8(truncatingIfNeeded: value)]
    }

    /// 8 bytes big-endian.
    mutating func integer(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// The UTF-8 length, then the UTF-8 bytes.
    mutating func string(_ text: String) {
        length(text.utf8.count)
        bytes += text.utf8
    }
}
