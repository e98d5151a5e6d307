/// The strict address parsers of the network library: Go's `netip.ParseAddr` and
/// `netip.ParsePrefix` (Go 1.22), which Kubernetes' CEL library uses, ported step by step
/// so that the same texts are accepted and refused with the same messages. No platform
/// parser is involved (`inet_pton` accepts forms these refuse). Linear in the input; every
/// number is checked as it grows, so no input traps or overflows.
enum NetworkParser {
    /// A refusal, with Go's text (`ParseAddr("1.2.3"): IPv4 address too short`).
    struct Failure: Error {
        let message: String
    }

    /// A parsed address before Kubernetes' refusals (zones, IPv4-mapped forms).
    struct Address {
        var high: UInt64 = 0
        var low: UInt64 = 0
        var isIPv4: Bool
        var hasZone = false

        /// `::ffff:a.b.c.d`, however it was written.
        var isIPv4Mapped: Bool { !isIPv4 && high == 0 && low >> 32 == 0xFFFF }

        var ip: CELIP { CELIP(high: high, low: low, isIPv4: isIPv4) }
    }

    private static let dot = UInt8(ascii: "."), colon = UInt8(ascii: ":"), percent = UInt8(ascii: "%")

    // MARK: - Kubernetes' refusals (`parseIPAddr`, `parseCIDR`)

    /// What `ip()` accepts: an address without a zone that is not IPv4-mapped. The error
    /// texts are Kubernetes'.
    static func ip(_ text: String) throws(Failure) -> CELIP {
        let address: Address
        do {
            address = try parseAddr(Array(text.utf8))
        } catch {
            throw Failure(message: "IP Address \(quote(text.utf8)) parse error during conversion from string: \(error.message)")
        }
        if address.hasZone { throw Failure(message: "IP address \(quote(text.utf8)) with zone value is not allowed") }
        if address.isIPv4Mapped { throw Failure(message: "IPv4-mapped IPv6 address \(quote(text.utf8)) is not allowed") }
        return address.ip
    }

    /// What `cidr()` accepts: a prefix whose address is not IPv4-mapped. The error texts are
    /// those `cidr()` reports in Kubernetes, whose prefix appears twice (its library wraps
    /// the parser's error in the same words once more).
    static func cidr(_ text: String) throws(Failure) -> CELCIDR {
        let wrap = "network address parse error during conversion from string: "
        let bytes = Array(text.utf8)
        let address: Address, bits: Int
        do {
            (address, bits) = try parsePrefix(bytes)
        } catch {
            throw Failure(message: wrap + wrap + error.message)
        }
        if address.isIPv4Mapped {
            throw Failure(message: wrap + "IPv4-mapped IPv6 address \(quote(bytes)) is not allowed")
        }
        return CELCIDR(address: address.ip, prefixLength: bits)
    }

    // MARK: - Go's netip

    /// `netip.ParseAddr`.
    static func parseAddr(_ s: [UInt8]) throws(Failure) -> Address {
        for c in s {
            if c == dot { return try parseIPv4(s) }
            if c == colon { return try parseIPv6(s) }
            if c == percent { throw addrError(s, "missing IPv6 address") }
        }
        throw addrError(s, "unable to parse IP")
    }

    /// `netip.ParsePrefix`: the address and the prefix length (host bits kept).
    static func parsePrefix(_ s: [UInt8]) throws(Failure) -> (Address, Int) {
        func refuse(_ message: String) -> Failure {
            Failure(message: "netip.ParsePrefix(\(quote(s))): \(message)")
        }
        guard let slash = s.lastIndex(of: UInt8(ascii: "/")) else { throw refuse("no '/'") }
        let address: Address
        do {
            address = try parseAddr(Array(s[..<slash]))
        } catch {
            throw refuse(error.message)
        }
        if address.hasZone { throw refuse("IPv6 zones cannot be present in a prefix") }
        let digits = s[(slash + 1)...]
        // Go's `strconv.Atoi` after refusing a sign or a leading zero: decimal digits that fit an Int.
        var bits = 0
        var valid = !digits.isEmpty && (digits.count == 1 || digits.first != UInt8(ascii: "0"))
        for c in digits where valid {
            guard c >= 0x30, c <= 0x39 else { valid = false; break }
            let (times10, o1) = bits.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int(c - 0x30))
            valid = !o1 && !o2
            bits = sum
        }
        guard valid else { throw refuse("bad bits after slash: \(quote(digits))") }
        guard bits <= (address.isIPv4 ? 32 : 128) else { throw refuse("prefix length out of range") }
        return (address, bits)
    }

    private static func addrError(_ input: [UInt8], _ message: String, at rest: ArraySlice<UInt8> = []) -> Failure {
        let suffix = rest.isEmpty ? "" : " (at \(quote(rest)))"
        return Failure(message: "ParseAddr(\(quote(input))): \(message)\(suffix)")
    }

    private static func parseIPv4(_ s: [UInt8]) throws(Failure) -> Address {
        Address(low: UInt64(try parseIPv4Fields(s, s.startIndex, s.endIndex)), isIPv4: true)
    }

    /// The four decimal fields of `input[start..<end]`, most significant first.
    private static func parseIPv4Fields(_ input: [UInt8], _ start: Int, _ end: Int) throws(Failure) -> UInt32 {
        var value = 0, fields = 0, digits = 0
        var result: UInt32 = 0
        var i = start
        while i < end {
            let c = input[i]
            if c >= 0x30, c <= 0x39 {
                if digits == 1, value == 0 { throw addrError(input, "IPv4 field has octet with leading zero") }
                value = value * 10 + Int(c - 0x30)
                digits += 1
                if value > 255 { throw addrError(input, "IPv4 field has value >255") }
            } else if c == dot {
                if i == start || i == end - 1 || input[i - 1] == dot {
                    throw addrError(input, "IPv4 field must have at least one digit", at: input[i..<end])
                }
                if fields == 3 { throw addrError(input, "IPv4 address too long") }
                result = result << 8 | UInt32(value)
                fields += 1
                value = 0
                digits = 0
            } else {
                throw addrError(input, "unexpected character", at: input[i..<end])
            }
            i += 1
        }
        if fields < 3 { throw addrError(input, "IPv4 address too short") }
        return result << 8 | UInt32(value)
    }

    private static func parseIPv6(_ input: [UInt8]) throws(Failure) -> Address {
        // The zone is split off first, as Go does; an empty one is refused.
        var end = input.count
        var hasZone = false
        if let p = input.firstIndex(of: percent) {
            if p == input.count - 1 { throw addrError(input, "zone must be a non-empty string") }
            end = p
            hasZone = true
        }
        var ip = [UInt8](repeating: 0, count: 16)
        var ellipsis = -1
        var s = 0
        if end - s >= 2, input[s] == colon, input[s + 1] == colon {
            ellipsis = 0
            s += 2
            if s == end { return Address(isIPv4: false, hasZone: hasZone) }
        }
        var i = 0
        while i < 16 {
            var off = 0
            var acc: UInt32 = 0
            while s + off < end {
                let c = input[s + off]
                if c >= 0x30, c <= 0x39 {
                    acc = acc << 4 + UInt32(c - 0x30)
                } else if c >= 0x61, c <= 0x66 {
                    acc = acc << 4 + UInt32(c - 0x61 + 10)
                } else if c >= 0x41, c <= 0x46 {
                    acc = acc << 4 + UInt32(c - 0x41 + 10)
                } else {
                    break
                }
                if off > 3 {
                    throw addrError(input, "each colon-separated field must have at most 4 hex digits", at: input[s..<end])
                }
                off += 1
            }
            if off == 0 {
                throw addrError(input, "each colon-separated field must have at least one digit", at: input[s..<end])
            }
            if s + off < end, input[s + off] == dot {
                if ellipsis < 0, i != 12 {
                    throw addrError(input, "embedded IPv4 address must replace the final 2 fields of the address", at: input[s..<end])
                }
                if i + 4 > 16 {
                    throw addrError(input, "too many hex fields to fit an embedded IPv4 at the end of the address", at: input[s..<end])
                }
                let v4 = try parseIPv4Fields(input, s, end)
                for k in 0..<4 { ip[i + k] = UInt8(truncatingIfNeeded: v4 >> UInt32(24 - 8 * k)) }
                s = end
                i += 4
                break
            }
            ip[i] = UInt8(truncatingIfNeeded: acc >> 8)
            ip[i + 1] = UInt8(truncatingIfNeeded: acc)
            i += 2
            s += off
            if s == end { break }
            if input[s] != colon {
                throw addrError(input, "unexpected character, want colon", at: input[s..<end])
            }
            if end - s == 1 {
                throw addrError(input, "colon must be followed by more characters", at: input[s..<end])
            }
            s += 1
            if input[s] == colon {
                if ellipsis >= 0 { throw addrError(input, "multiple :: in address", at: input[s..<end]) }
                ellipsis = i
                s += 1
                if s == end { break }
            }
        }
        if s != end { throw addrError(input, "trailing garbage after address", at: input[s..<end]) }
        if i < 16 {
            if ellipsis < 0 { throw addrError(input, "address string too short") }
            let n = 16 - i
            for j in stride(from: i - 1, through: ellipsis, by: -1) { ip[j + n] = ip[j] }
            for j in ellipsis..<(ellipsis + n) { ip[j] = 0 }
        } else if ellipsis >= 0 {
            throw addrError(input, "the :: must expand to at least one field of zeros")
        }
        var high: UInt64 = 0, low: UInt64 = 0
        for k in 0..<8 {
            high = high << 8 | UInt64(ip[k])
            low = low << 8 | UInt64(ip[k + 8])
        }
        return Address(high: high, low: low, isIPv4: false, hasZone: hasZone)
    }

    // MARK: - Quoting

    /// Longest input, in bytes, that an error message quotes whole; a longer one is cut
    /// there (at a code point) and marked `...` after the closing quote, so that a hostile
    /// megabyte does not become a multi-megabyte message.
    static let quotedLimit = 256

    /// Go's `strconv.Quote` (`%q`) of UTF-8 text: `"` and `\` escaped, `\a \b \f \n \r \t
    /// \v`, other C0 controls and DEL as `\xNN`, other code points that are not letters,
    /// marks, numbers, punctuation, symbols or the ASCII space as `\uNNNN` / `\UNNNNNNNN`.
    static func quote(_ bytes: some Collection<UInt8>) -> String {
        var head = Array(bytes.prefix(quotedLimit + 1))
        let cut = head.count > quotedLimit
        if cut {
            // Keep the code points that end within the limit: `head[end]` is the first byte
            // dropped; while it continues a code point (10xxxxxx), drop that code point too.
            var end = quotedLimit
            while end > 0, head[end] & 0xC0 == 0x80 { end -= 1 }
            head.removeSubrange(end...)
        }
        let text = String(decoding: head, as: UTF8.self)
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{0B}": out += "\\v"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + hex(scalar.value, digits: 2)
                } else if isPrintable(scalar) {
                    out.unicodeScalars.append(scalar)
                } else if scalar.value < 0x10000 {
                    out += "\\u" + hex(scalar.value, digits: 4)
                } else {
                    out += "\\U" + hex(scalar.value, digits: 8)
                }
            }
        }
        out += "\""
        return cut ? out + "..." : out
    }

    /// Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space.
    private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .spaceSeparator, .lineSeparator, .paragraphSeparator, .control, .format, .surrogate,
             .privateUse, .unassigned:
            return false
        default:
            return true
        }
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}

extension CELIP {
    /// Parses an address as the network library's `ip()` does (no zone, no IPv4-mapped
    /// form, no leading zeros in IPv4 fields); throws the error `ip()` would return.
    public init(parsing text: String) throws(CELError) {
        do {
            self = try NetworkParser.ip(text)
        } catch {
            throw CELError(error.message)
        }
    }
}

extension CELCIDR {
    /// Parses CIDR notation as the network library's `cidr()` does; throws the error
    /// `cidr()` would return.
    public init(parsing text: String) throws(CELError) {
        do {
            self = try NetworkParser.cidr(text)
        } catch {
            throw CELError(error.message)
        }
    }
}
