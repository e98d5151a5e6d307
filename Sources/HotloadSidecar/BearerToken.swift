/// Checks `Authorization: Bearer TOKEN` in time that does not depend on where the given
/// token differs from the expected one.
struct BearerToken: Sendable {
    private let expected: [UInt8]

    init(_ token: String) {
        expected = Array(token.utf8)
    }

    /// True when `header` is `Bearer ` followed by exactly the expected token.
    func accepts(_ header: String?) -> Bool {
        guard let header else { return false }
        // The scheme is case-insensitive (RFC 9110), the separator one space.
        let prefix = Array("bearer ".utf8)
        let given = Array(header.utf8)
        guard given.count >= prefix.count,
              zip(given[..<prefix.count], prefix).allSatisfy({ $1 == 0x20 ? $0 == 0x20 : ($0 | 0x20) == $1 })
        else { return false }
        return Self.constantTimeEquals(Array(given[prefix.count...]), expected)
    }

    /// Compares every byte of `expected` whatever the input; only the length of the
    /// expected token shapes the time taken.
    static func constantTimeEquals(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference = UInt(bitPattern: given.count ^ expected.count)
        for index in 0..<expected.count {
            let byte = index < given.count ? given[index] : 0
            difference |= UInt(byte ^ expected[index])
        }
        return difference == 0
    }
}
