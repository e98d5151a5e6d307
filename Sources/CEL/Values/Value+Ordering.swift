/// The outcome of comparing two CEL values of comparable kinds.
public enum CELOrdering: Sendable, Hashable {
    case less, equal, greater
    /// A NaN was involved: every relation (`<`, `<=`, `>`, `>=`) is false.
    case unordered
}

extension Value {
    /// Compares for `<`, `<=`, `>` and `>=`. Numbers compare across int, uint and double
    /// (int and uint exactly; against a double as cel-go does, through the double after a
    /// range check); strings by code point; bytes lexicographically; `false < true`;
    /// timestamps and durations chronologically. Returns nil when the kinds cannot be
    /// ordered (lists, maps, null, mixed kinds): the caller reports "no such overload".
    public func compare(_ other: Value) -> CELOrdering? {
        switch (self, other) {
        case (.int(let a), .int(let b)): return Value.order(a, b)
        case (.uint(let a), .uint(let b)): return Value.order(a, b)
        case (.double(let a), .double(let b)): return Value.compare(a, b)
        case (.int(let a), .uint(let b)): return Value.compare(a, b)
        case (.uint(let a), .int(let b)): return Value.compare(b, a).reversed
        case (.int(let a), .double(let b)): return Value.compare(a, b)
        case (.double(let a), .int(let b)): return Value.compare(b, a).reversed
        case (.uint(let a), .double(let b)): return Value.compare(a, b)
        case (.double(let a), .uint(let b)): return Value.compare(b, a).reversed
        case (.string(let a), .string(let b)): return Value.utf8Compare(a, b)
        case (.bytes(let a), .bytes(let b)): return Value.compareBytes(a, b)
        case (.bool(let a), .bool(let b)): return a == b ? .equal : (a ? .greater : .less)
        case (.timestamp(let a), .timestamp(let b)): return Value.order(a, b)
        case (.duration(let a), .duration(let b)): return Value.order(a, b)
        default: return nil
        }
    }

    @inlinable
    static func order<T: Comparable>(_ a: T, _ b: T) -> CELOrdering {
        a < b ? .less : (a == b ? .equal : .greater)
    }

    /// IEEE comparison: NaN is unordered; -0.0 equals 0.0.
    @inlinable
    public static func compare(_ a: Double, _ b: Double) -> CELOrdering {
        if a < b { return .less }
        if a > b { return .greater }
        if a == b { return .equal }
        return .unordered
    }

    /// Exact comparison of an int with a uint.
    @inlinable
    public static func compare(_ a: Int64, _ b: UInt64) -> CELOrdering {
        if a < 0 { return .less }
        return order(UInt64(a), b)
    }

    /// An int against a double, as cel-go: doubles beyond the int64 range order outside
    /// it, the rest compare with the int converted to double.
    @inlinable
    public static func compare(_ a: Int64, _ b: Double) -> CELOrdering {
        if b.isNaN { return .unordered }
        if b < -9.223372036854775808e18 { return .greater }
        if b > 9.223372036854775808e18 { return .less }
        return compare(Double(a), b)
    }

    /// A uint against a double, as cel-go (see ``compare(_:_:)-(Int64,Double)``).
    @inlinable
    public static func compare(_ a: UInt64, _ b: Double) -> CELOrdering {
        if b.isNaN { return .unordered }
        if b < 0 { return .greater }
        if b > 1.8446744073709551616e19 { return .less }
        return compare(Double(a), b)
    }

    /// Orders strings by code point (equivalently, by their UTF-8 bytes).
    public static func utf8Compare(_ a: String, _ b: String) -> CELOrdering {
        let au = a.utf8, bu = b.utf8
        if let r = au.withContiguousStorageIfAvailable({ ab in
            bu.withContiguousStorageIfAvailable { bb in compareBuffers(ab, bb) }
        }), let result = r {
            return result
        }
        return compareSequences(au, bu)
    }

    /// Orders byte strings lexicographically, a shorter prefix first.
    public static func compareBytes(_ a: [UInt8], _ b: [UInt8]) -> CELOrdering {
        a.withUnsafeBufferPointer { ab in b.withUnsafeBufferPointer { bb in compareBuffers(ab, bb) } }
    }

    static func compareBuffers(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> CELOrdering {
        let n = Swift.min(a.count, b.count)
        var i = 0
        while i < n {
            let x = a[i], y = b[i]
            if x != y { return x < y ? .less : .greater }
            i += 1
        }
        return order(a.count, b.count)
    }

    static func compareSequences<S: Sequence>(_ a: S, _ b: S) -> CELOrdering where S.Element == UInt8 {
        var ia = a.makeIterator(), ib = b.makeIterator()
        while true {
            switch (ia.next(), ib.next()) {
            case (nil, nil): return .equal
            case (nil, _): return .less
            case (_, nil): return .greater
            case (let x?, let y?): if x != y { return x < y ? .less : .greater }
            }
        }
    }
}

extension CELOrdering {
    /// The ordering seen from the other operand.
    @inlinable
    public var reversed: CELOrdering {
        switch self {
        case .less: return .greater
        case .greater: return .less
        case .equal, .unordered: return self
        }
    }
}
