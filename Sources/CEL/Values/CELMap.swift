/// A CEL map: keys are bool, int, uint or string; lookups treat numerically equal
/// int, uint and double keys alike (`{1: 'a'}[1u]`). Keeps insertion order, so
/// iteration and JSON output are deterministic.
public struct CELMap: Sendable {
    /// The key as stored for hashing: numbers normalised so that 1, 1u and 1.0 collide.
    public enum Key: Sendable, Hashable {
        case bool(Bool)
        case int(Int64)
        /// Only for uints above Int64.max; smaller ones are stored as `.int`.
        case bigUInt(UInt64)
        case string(String)
    }

    public private(set) var keys: [Value] = []
    public private(set) var values: [Value] = []
    private var index: [Key: Int] = [:]

    public init() {}

    public var count: Int { keys.count }

    /// The normalised key for a value, or nil when the value cannot be a map key
    /// (for doubles, only integral values that fit int64/uint64 map to a key).
    public static func key(for value: Value) -> Key? {
        switch value {
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .uint(let u): return u <= UInt64(Int64.max) ? .int(Int64(u)) : .bigUInt(u)
        case .string(let s): return .string(s)
        case .double(let d):
            if d.isFinite, d.rounded(.towardZero) == d {
                if d >= -9.223372036854775808e18, d < 9.223372036854775808e18 { return .int(Int64(d)) }
                if d >= 0, d < 1.8446744073709551616e19 { return .bigUInt(UInt64(d)) }
            }
            return nil
        default: return nil
        }
    }

    /// Looks a key up (heterogeneous numeric keys match).
    public subscript(key: Value) -> Value? {
        guard let k = CELMap.key(for: key), let i = index[k] else { return nil }
        return values[i]
    }

    /// Looks a string key up without wrapping it in a `Value`.
    public subscript(string key: String) -> Value? {
        guard let i = index[.string(key)] else { return nil }
        return values[i]
    }

    /// Inserts a new entry; returns false (and changes nothing) if the key is
    /// already present or is not a valid key type.
    @discardableResult
    public mutating func insert(key: Value, value: Value) -> Bool {
        guard let k = CELMap.key(for: key), index[k] == nil else { return false }
        if case .double = key { return false }
        index[k] = keys.count
        keys.append(key)
        values.append(value)
        return true
    }

    /// Inserts or replaces an entry (used by `transformMap` and JSON decoding).
    public mutating func update(key: Value, value: Value) -> Bool {
        guard let k = CELMap.key(for: key) else { return false }
        if let i = index[k] { values[i] = value; return true }
        return insert(key: key, value: value)
    }

    public mutating func reserveCapacity(_ n: Int) {
        keys.reserveCapacity(n)
        values.reserveCapacity(n)
        index.reserveCapacity(n)
    }
}
