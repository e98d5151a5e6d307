/// A CEL value. Errors are values too: an operation on an error argument yields that
/// error (except where CEL says otherwise: `&&`, `||`, `?:`, comprehension loop conditions).
public enum Value: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case string(String)
    case bytes([UInt8])
    case list([Value])
    case map(CELMap)
    case type(CELType)
    case timestamp(CELTimestamp)
    case duration(CELDuration)
    /// `optional.of(x)` is `.optional(OptionalValue(x))`; `optional.none()` holds nil.
    case optional(OptionalValue)
    /// An IP address (`net.IP`, the network library's `ip('10.0.0.1')`).
    case ip(CELIP)
    /// A network in CIDR notation (`net.CIDR`, the network library's `cidr('10.0.0.0/8')`).
    case cidr(CELCIDR)
    case error(CELError)
}

/// An evaluation error as a value: `1 / 0`, `{}.missing`, a bad conversion.
public struct CELError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    /// Byte offset in the source of the expression that failed, when known.
    public var offset: Int32?
    public init(_ message: String, offset: Int32? = nil) {
        self.message = message
        self.offset = offset
    }
    public var description: String { message }
}

/// An optional value's payload, boxed so that `Value` stays small.
public struct OptionalValue: Sendable {
    private final class Box: Sendable {
        let value: Value
        init(_ value: Value) { self.value = value }
    }
    private let box: Box?
    public init(_ value: Value?) { self.box = value.map(Box.init) }
    public static let none = OptionalValue(nil)
    public var value: Value? { box?.value }
}

/// A point in time: seconds since the Unix epoch (UTC) and nanoseconds in [0, 1e9).
/// CEL restricts timestamps to years 0001 through 9999.
public struct CELTimestamp: Sendable, Hashable, Comparable {
    public var seconds: Int64
    public var nanos: Int32
    public init(seconds: Int64, nanos: Int32) {
        self.seconds = seconds
        self.nanos = nanos
    }
    public static func < (a: CELTimestamp, b: CELTimestamp) -> Bool {
        (a.seconds, a.nanos) < (b.seconds, b.nanos)
    }
}

/// A signed span of time. Seconds and nanos have the same sign; |nanos| < 1e9.
/// CEL restricts durations to about ±10000 years.
public struct CELDuration: Sendable, Hashable, Comparable {
    public var seconds: Int64
    public var nanos: Int32
    public init(seconds: Int64, nanos: Int32) {
        self.seconds = seconds
        self.nanos = nanos
    }
    public static func < (a: CELDuration, b: CELDuration) -> Bool {
        (a.seconds, a.nanos) < (b.seconds, b.nanos)
    }
}
