/// A CEL map: keys are bool, int, uint or string; lookups treat numerically equal
/// int, uint and double keys alike (`{1: 'a'}[1u]`). Keeps insertion order, so
/// iteration and JSON output are deterministic.
///
/// Small maps (the common case: objects with a handful of fields) are searched linearly,
/// which is much faster than hashing; a hash index is built once a map grows past
/// `CELMap.linearLimit` entries. String keys compare by code points, as CEL strings do.
public struct CELMap: Sendable {
    /// The key as stored for hashing: numbers normalised so that 1, 1u and 1.0 collide.
    public enum Key: Sendable, Hashable {
        case bool(Bool)
        case int(Int64)
        /// Only for uints above Int64.max; smaller ones are stored as `.int`.
        case bigUInt(UInt64)
        case string(String)

        /// Code-point equality for strings (Swift's `String ==` would also equate
        /// canonically equivalent strings, which CEL keeps apart).
        public static func == (a: Key, b: Key) -> Bool {
            switch (a, b) {
            case (.bool(let x), .bool(let y)): return x == y
            case (.int(let x), .int(let y)): return x == y
            case (.bigUInt(let x), .bigUInt(let y)): return x == y
            case (.string(let x), .string(let y)): return Value.utf8Equal(x, y)
            default: return false
            }
        }

        public func hash(into hasher: inout Hasher) {
            switch self {
            case .bool(let b):
                hasher.combine(0 as UInt8)
                hasher.combine(b)
            case .int(let i):
                hasher.combine(1 as UInt8)
                hasher.combine(i)
            case .bigUInt(let u):
                hasher.combine(2 as UInt8)
                hasher.combine(u)
            case .string(let s):
                hasher.combine(3 as UInt8)
                let hashed: Void? = s.utf8.withContiguousStorageIfAvailable { bytes in
                    hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
                }
                if hashed == nil {
                    for byte in s.utf8 { hasher.combine(byte) }
                }
                hasher.combine(s.utf8.count)
            }
        }
    }

    /// Maps up to this many entries are searched linearly, without a hash index.
    public static let linearLimit = 8

    /// The entries behind one reference, so that copying a map (or a `Value` holding one)
    /// costs one retain instead of one per array: field access and iteration copy maps a lot.
    ///
    /// `@unchecked Sendable`: a storage object is only written through `unique()`, that is
    /// while it is uniquely referenced (copy-on-write); shared storage is never mutated.
    ///
    /// `@exclusivity(unchecked)` on the two arrays: every lookup reads them, and the
    /// dynamic exclusivity check on each read (a runtime call) cost more than the lookup
    /// itself. Overlapping accesses cannot happen: the arrays are private to this file,
    /// written only by CELMap's own mutating methods on uniquely referenced storage, and no
    /// access to them spans a call that could reach the same storage.
    private final class Storage: @unchecked Sendable {
        @exclusivity(unchecked) var keys: [Value] = []
        @exclusivity(unchecked) var values: [Value] = []
        /// Normalised key → position; built only once the map has more than `linearLimit` entries.
        var index: [Key: Int]? = nil

        init() {}

        init(copying other: Storage) {
            keys = other.keys
            values = other.values
            index = other.index
        }
    }

    private var storage = Storage()

    /// The keys in insertion order.
    public var keys: [Value] { storage.keys }
    /// The values, parallel to `keys`.
    public var values: [Value] { storage.values }
    private var index: [Key: Int]? { storage.index }

    /// Makes `storage` uniquely referenced before a mutation (copy-on-write).
    private mutating func unique() {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(copying: storage) }
    }

    public init() {}

    public var count: Int { storage.keys.count }

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

    /// The position of a normalised key, if present.
    @inline(__always)
    private func position(of key: Key) -> Int? {
        if let index { return index[key] }
        switch key {
        case .string(let s):
            return position(ofString: s)
        case .int(let x):
            for i in keys.indices {
                switch keys[i] {
                case .int(let y) where x == y: return i
                case .uint(let y) where x >= 0 && UInt64(x) == y: return i
                default: continue
                }
            }
            return nil
        case .bigUInt(let x):
            for i in keys.indices { if case .uint(let y) = keys[i], x == y { return i } }
            return nil
        case .bool(let x):
            for i in keys.indices { if case .bool(let y) = keys[i], x == y { return i } }
            return nil
        }
    }

    /// The position of a string key, if present (by hash for large maps, else a scan).
    @inline(__always)
    func position(ofString s: String) -> Int? {
        if let index { return index[.string(s)] }
        let length = s.utf8.count
        for i in keys.indices {
            if case .string(let k) = keys[i], k.utf8.count == length, Value.utf8Equal(k, s) { return i }
        }
        return nil
    }

    /// The address of the value at `position` inside this map's storage, nil when out of
    /// range. Valid as long as the map it was taken from is neither modified nor released.
    @inline(__always)
    func valueAddress(at position: Int) -> UnsafePointer<Value>? {
        storage.values.withUnsafeBufferPointer { values in
            guard position >= 0, position < values.count, let base = values.baseAddress else { return nil }
            return base + position
        }
    }

    /// Looks a key up (heterogeneous numeric keys match).
    public subscript(key: Value) -> Value? {
        guard let k = CELMap.key(for: key), let i = position(of: k) else { return nil }
        return values[i]
    }

    /// Looks a string key up without wrapping it in a `Value`.
    public subscript(string key: String) -> Value? {
        guard let i = position(ofString: key) else { return nil }
        return values[i]
    }

    /// Inserts a new entry; returns false (and changes nothing) if the key is
    /// already present or is not a valid key type.
    @discardableResult
    public mutating func insert(key: Value, value: Value) -> Bool {
        if case .double = key { return false }
        guard let k = CELMap.key(for: key), position(of: k) == nil else { return false }
        append(key, k, value)
        return true
    }

    /// Inserts or replaces an entry (used by `transformMap` and JSON decoding).
    public mutating func update(key: Value, value: Value) -> Bool {
        guard let k = CELMap.key(for: key) else { return false }
        if let i = position(of: k) { unique(); storage.values[i] = value; return true }
        return insert(key: key, value: value)
    }

    private mutating func append(_ key: Value, _ k: Key, _ value: Value) {
        unique()
        if index != nil {
            storage.index?[k] = keys.count
        } else if keys.count == CELMap.linearLimit {
            buildIndex(capacity: keys.count * 2 + 2)
            storage.index?[k] = keys.count
        } else if keys.isEmpty {
            // Most maps are small: one right-sized allocation each instead of 1, 2, 4 growth.
            storage.keys.reserveCapacity(4)
            storage.values.reserveCapacity(4)
        }
        storage.keys.append(key)
        storage.values.append(value)
    }

    private mutating func buildIndex(capacity: Int) {
        var built = [Key: Int](minimumCapacity: capacity)
        for (i, existing) in keys.enumerated() {
            if let k = CELMap.key(for: existing) { built[k] = i }
        }
        unique()
        storage.index = built
    }

    public mutating func reserveCapacity(_ n: Int) {
        unique()
        storage.keys.reserveCapacity(n)
        storage.values.reserveCapacity(n)
        if n > CELMap.linearLimit {
            if index == nil {
                buildIndex(capacity: n)
            } else {
                storage.index?.reserveCapacity(n)
            }
        }
    }
}
