/// A CEL type, used by the checker and as the payload of type values (`type(1) == int`).
public indirect enum CELType: Sendable, Hashable {
    case dyn
    case null
    case bool
    case int
    case uint
    case double
    case string
    case bytes
    case timestamp
    case duration
    case list(CELType)
    case map(CELType, CELType)
    case optional(CELType)
    /// The type of type values: `type(int)` is `.type(.int)`; the runtime `type` value is `.type(.dyn)`.
    case type(CELType)
    /// A type parameter in an overload signature, such as `A` in `list(A)`.
    case typeParam(String)
    case error
    /// Any other named type (for example `google.protobuf.Any`-like host types).
    case opaque(String, [CELType])
}

extension CELType {
    /// `net.IP`, the network library's IP addresses (an opaque type to the checker).
    public static let ip = CELType.opaque(ipName, [])
    /// `net.CIDR`, the network library's networks in CIDR notation.
    public static let cidr = CELType.opaque(cidrName, [])
    static let ipName = "net.IP"
    static let cidrName = "net.CIDR"
}
