/// An IP address, the value of `ip('10.0.0.1')` (CEL type `net.IP`, Kubernetes' network
/// library): IPv4 or IPv6, never with a zone and never an IPv4-mapped IPv6 address
/// (`::ffff:1.2.3.4`), which the public initialiser, `init(parsing:)`, refuses.
public struct CELIP: Sendable, Hashable {
    /// The address's bits, most significant first. An IPv6 address fills both words; an
    /// IPv4 address is the low 32 bits of `low`, with `high` 0.
    let high: UInt64
    let low: UInt64
    /// Whether this is an IPv4 address (`family()` 4) rather than IPv6 (6).
    public let isIPv4: Bool

    init(high: UInt64, low: UInt64, isIPv4: Bool) {
        self.high = high
        self.low = low
        self.isIPv4 = isIPv4
    }

    /// 4 or 6.
    public var family: Int { isIPv4 ? 4 : 6 }

    /// Bits in an address of this family: 32 or 128.
    var bitLength: Int { isIPv4 ? 32 : 128 }

    /// The canonical text: dotted decimal for IPv4; for IPv6 RFC 5952 (lowercase hex without
    /// leading zeros, the first longest run of two or more zero groups written `::`), as
    /// Go's `netip.Addr.String`.
    public var canonicalText: String {
        var out: [UInt8] = []
        out.reserveCapacity(39)
        if isIPv4 {
            for i in 0..<4 {
                if i > 0 { out.append(UInt8(ascii: ".")) }
                appendDecimal(Int(low >> UInt64(24 - 8 * i) & 0xFF), to: &out)
            }
            return String(decoding: out, as: UTF8.self)
        }
        let groups = (0..<8).map { group($0) }
        var zeroStart = -1, zeroLength = 1
        var i = 0
        while i < 8 {
            var j = i
            while j < 8, groups[j] == 0 { j += 1 }
            if j - i > zeroLength {
                zeroStart = i
                zeroLength = j - i
            }
            i = j + 1
        }
        i = 0
        while i < 8 {
            if i == zeroStart {
                out.append(UInt8(ascii: ":"))
                out.append(UInt8(ascii: ":"))
                i += zeroLength
                continue
            }
            if i > 0, i != zeroStart + zeroLength { out.append(UInt8(ascii: ":")) }
            appendHex(groups[i], to: &out)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The 16-bit group `i` (0 to 7) of an IPv6 address.
    private func group(_ i: Int) -> UInt16 {
        let word = i < 4 ? high : low
        return UInt16(truncatingIfNeeded: word >> UInt64(48 - 16 * (i % 4)))
    }

    /// `0.0.0.0` or `::`.
    public var isUnspecified: Bool { high == 0 && low == 0 }

    /// `127.0.0.0/8` or `::1`.
    public var isLoopback: Bool { isIPv4 ? low >> 24 == 127 : high == 0 && low == 1 }

    /// `224.0.0.0/4` or `ff00::/8`.
    var isMulticast: Bool { isIPv4 ? low >> 28 == 0xE : high >> 56 == 0xFF }

    /// `224.0.0.0/24`, or IPv6 multicast with link-local scope (`ffx2::/16`), as Go's
    /// `netip.Addr.IsLinkLocalMulticast`.
    public var isLinkLocalMulticast: Bool {
        isIPv4 ? low >> 8 == 0xE0_00_00 : high >> 48 & 0xFF0F == 0xFF02
    }

    /// `169.254.0.0/16` or `fe80::/10`.
    public var isLinkLocalUnicast: Bool {
        isIPv4 ? low >> 16 == 0xA9FE : high >> 48 & 0xFFC0 == 0xFE80
    }

    /// Not unspecified, loopback, multicast, link-local unicast or (IPv4) the broadcast
    /// address `255.255.255.255`, as Go's `netip.Addr.IsGlobalUnicast` (private and unique
    /// local addresses count as global).
    public var isGlobalUnicast: Bool {
        if isIPv4, low == 0xFFFF_FFFF { return false }
        return !isUnspecified && !isLoopback && !isMulticast && !isLinkLocalUnicast
    }

    /// This address with every bit after the first `bits` (0 to `bitLength`) cleared.
    func masked(to bits: Int) -> CELIP {
        if isIPv4 {
            let mask: UInt64 = bits == 0 ? 0 : (0xFFFF_FFFF << UInt64(32 - bits)) & 0xFFFF_FFFF
            return CELIP(high: 0, low: low & mask, isIPv4: true)
        }
        let highMask: UInt64 = bits >= 64 ? .max : bits == 0 ? 0 : .max << UInt64(64 - bits)
        let lowMask: UInt64 = bits <= 64 ? 0 : bits == 128 ? .max : .max << UInt64(128 - bits)
        return CELIP(high: high & highMask, low: low & lowMask, isIPv4: false)
    }
}

/// A network in CIDR notation, the value of `cidr('10.0.0.0/8')` (CEL type `net.CIDR`):
/// an address as written (bits after the prefix are kept, `masked()` clears them) and a
/// prefix length within the address's family.
public struct CELCIDR: Sendable, Hashable {
    /// The address as written, host bits included.
    public let address: CELIP
    private let bits: UInt8

    init(address: CELIP, prefixLength: Int) {
        self.address = address
        self.bits = UInt8(prefixLength)
    }

    /// The number of leading bits that name the network: 0 to 32 for IPv4, 0 to 128 for IPv6.
    public var prefixLength: Int { Int(bits) }

    /// The network address: `address` with the bits after the prefix cleared.
    public var masked: CELCIDR { CELCIDR(address: address.masked(to: prefixLength), prefixLength: prefixLength) }

    /// `address/prefixLength`, with the address in canonical form (host bits kept).
    public var canonicalText: String { address.canonicalText + "/" + String(prefixLength) }

    /// Whether `ip` is in this network (addresses of the other family never are).
    public func contains(_ ip: CELIP) -> Bool {
        ip.isIPv4 == address.isIPv4 && ip.masked(to: prefixLength) == address.masked(to: prefixLength)
    }

    /// Whether every address of `other` is in this network: same family, a prefix at
    /// least as long, and the same network bits.
    public func contains(_ other: CELCIDR) -> Bool {
        other.address.isIPv4 == address.isIPv4 && prefixLength <= other.prefixLength
            && other.address.masked(to: prefixLength) == address.masked(to: prefixLength)
    }
}

private func appendDecimal(_ n: Int, to out: inout [UInt8]) {
    if n >= 100 { out.append(UInt8(48 + n / 100)) }
    if n >= 10 { out.append(UInt8(48 + n / 10 % 10)) }
    out.append(UInt8(48 + n % 10))
}

private func appendHex(_ n: UInt16, to out: inout [UInt8]) {
    var started = false
    for shift in stride(from: 12, through: 0, by: -4) {
        let d = UInt8(truncatingIfNeeded: n >> UInt16(shift) & 0xF)
        if d != 0 || started || shift == 0 {
            out.append(d < 10 ? 48 + d : 87 + d)
            started = true
        }
    }
}
