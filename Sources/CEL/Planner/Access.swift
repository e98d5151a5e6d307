/// Field selection, presence tests and indexing on values, shared by the evaluator nodes.
/// Results that are errors carry no offset; the calling node attaches its own.
enum Access {
    /// Looks a string key up in a map; small maps are scanned (cheaper than hashing).
    @inline(__always)
    static func field(_ map: CELMap, _ name: String) -> Value? {
        let count = map.count
        if count <= 8 {
            let keys = map.keys
            for i in 0..<count {
                if case .string(let k) = keys[i], k == name { return map.values[i] }
            }
            return nil
        }
        return map[string: name]
    }

    /// Follows one to three `fields` from the value at `p`, matching keys by representation
    /// (`KeyBits`: no byte comparison) in small maps. nil when that fast path does not
    /// apply (a longer path, a large map, a key not found this way, a non-map): the caller
    /// then takes `selectPath`, which handles every case and reports errors.
    @inline(__always)
    static func followPath(_ p: UnsafePointer<Value>, _ fields: [KeyBits]) -> Value? {
        switch fields.count {
        case 1:
            guard case .map(let m0) = p.pointee, let i = fastPosition(m0, fields[0]) else { return nil }
            return m0.values[i]
        case 2:
            guard case .map(let m0) = p.pointee, let i = fastPosition(m0, fields[0]) else { return nil }
            return m0.values.withUnsafeBufferPointer { v0 -> Value? in
                guard case .map(let m1) = v0[i], let j = fastPosition(m1, fields[1]) else { return nil }
                return m1.values[j]
            }
        case 3:
            guard case .map(let m0) = p.pointee, let i = fastPosition(m0, fields[0]) else { return nil }
            return m0.values.withUnsafeBufferPointer { v0 -> Value? in
                guard case .map(let m1) = v0[i], let j = fastPosition(m1, fields[1]) else { return nil }
                return m1.values.withUnsafeBufferPointer { v1 -> Value? in
                    guard case .map(let m2) = v1[j], let k = fastPosition(m2, fields[2]) else { return nil }
                    return m2.values[k]
                }
            }
        default:
            return nil
        }
    }

    /// The position of a key with the field's exact representation in a small map.
    @inline(__always)
    static func fastPosition(_ map: borrowing CELMap, _ field: KeyBits) -> Int? {
        let n = map.keys.count
        guard n <= CELMap.linearLimit else { return nil }
        var i = 0
        while i < n {
            if case .string(let k) = map.keys[i], field.same(k) { return i }
            i += 1
        }
        return nil
    }

    /// Selects `fields` in turn from `value`; an error carries the offset of the failing step.
    static func selectPath(_ value: Value, _ fields: [FieldName], _ offsets: [Int32]) -> Value {
        var v = value
        for i in 0..<fields.count {
            v = select(v, fields[i].name)
            if case .error(let e) = v, e.offset == nil {
                return .error(CELError(e.message, offset: offsets[i]))
            }
        }
        return v
    }

    static func unsupportedSelection(_ value: Value) -> CELError {
        CELError("type '\(value.runtimeType.runtimeName)' does not support field selection")
    }

    /// `operand.field`.
    static func select(_ operand: Value, _ name: String) -> Value {
        switch operand {
        case .map(let m):
            if let v = field(m, name) { return v }
            return .error(.noSuchKey(.string(name)))
        case .error:
            return operand
        case .optional(let o):
            guard let inner = o.value else { return operand }
            return optionalSelect(inner, name)
        default:
            return .error(unsupportedSelection(operand))
        }
    }

    /// `has(operand.field)`.
    static func has(_ operand: Value, _ name: String) -> Value {
        switch operand {
        case .map(let m):
            return .bool(field(m, name) != nil)
        case .error:
            return operand
        case .optional(let o):
            guard let inner = o.value else { return .bool(false) }
            return has(inner, name)
        default:
            return .error(unsupportedSelection(operand))
        }
    }

    /// `operand.?field`: an optional of the field, none when absent.
    static func optionalSelect(_ operand: Value, _ name: String) -> Value {
        switch operand {
        case .map(let m):
            return .optional(OptionalValue(field(m, name)))
        case .error:
            return operand
        case .optional(let o):
            guard let inner = o.value else { return operand }
            return optionalSelect(inner, name)
        default:
            return .error(unsupportedSelection(operand))
        }
    }

    /// The list position an index value denotes, when it is an integral number.
    static func position(_ index: Value) -> Int64? {
        switch index {
        case .int(let i): return i
        case .uint(let u): return u <= UInt64(Int64.max) ? Int64(u) : Int64.max
        case .double(let d):
            guard d.isFinite, d.rounded(.towardZero) == d,
                  d >= -9.223372036854775808e18, d < 9.223372036854775808e18 else { return nil }
            return Int64(d)
        default: return nil
        }
    }

    /// `operand[index]`.
    static func index(_ operand: Value, _ index: Value) -> Value {
        if case .error = operand { return operand }
        if case .error = index { return index }
        switch operand {
        case .list(let items):
            guard let i = position(index) else {
                return .error(.noSuchOverload("_[_]", operand, index))
            }
            guard i >= 0, i < Int64(items.count) else {
                return .error(CELError("index out of bounds: \(i)"))
            }
            return items[Int(i)]
        case .map(let m):
            guard CELMap.key(for: index) != nil || isKeyKind(index) else {
                return .error(CELError("unsupported map key type: \(index.runtimeType.runtimeName)"))
            }
            if let v = m[index] { return v }
            return .error(.noSuchKey(index))
        case .optional(let o):
            guard let inner = o.value else { return operand }
            return optionalIndex(inner, index)
        default:
            return .error(.noSuchOverload("_[_]", operand, index))
        }
    }

    private static func isKeyKind(_ v: Value) -> Bool {
        switch v {
        case .double: return true
        default: return false
        }
    }

    /// `operand[?index]`: an optional of the element, none when absent.
    static func optionalIndex(_ operand: Value, _ index: Value) -> Value {
        if case .error = operand { return operand }
        if case .error = index { return index }
        switch operand {
        case .list(let items):
            guard let i = position(index) else {
                return .error(.noSuchOverload("_[?_]", operand, index))
            }
            guard i >= 0, i < Int64(items.count) else { return .optional(.none) }
            return .optional(OptionalValue(items[Int(i)]))
        case .map(let m):
            return .optional(OptionalValue(m[index]))
        case .optional(let o):
            guard let inner = o.value else { return operand }
            return optionalIndex(inner, index)
        default:
            return .error(.noSuchOverload("_[?_]", operand, index))
        }
    }
}

/// A field name interned at plan time for fast lookups in small maps: keys whose string
/// representation is bit-for-bit the same as the name's (always the case for equal
/// strings of up to 15 UTF-8 bytes, which Swift stores inline) match without reading any
/// bytes; other keys of the same length are compared by code points.
struct FieldName: Sendable {
    let name: String
    let length: Int
    /// The raw representation of `name` (two machine words on 64-bit platforms).
    private let bits: (UInt64, UInt64)
    /// Whether representations can be compared (64-bit platforms).
    let hasBits: Bool

    init(_ name: String) {
        self.name = name
        self.length = name.utf8.count
        if MemoryLayout<String>.size == 16 {
            self.bits = unsafeBitCast(name, to: (UInt64, UInt64).self)
            self.hasBits = true
        } else {
            self.bits = (0, 0)
            self.hasBits = false
        }
    }

    /// The representation for `Access.followPath`, or nil where it cannot be taken.
    var keyBits: KeyBits? { hasBits ? KeyBits(bits.0, bits.1) : nil }

    /// The representations of a whole path for `Access.followPath`: all of them, or none
    /// (empty) when any field lacks one.
    static func pathBits(_ fields: [FieldName]) -> [KeyBits] {
        let bits = fields.compactMap(\.keyBits)
        return bits.count == fields.count ? bits : []
    }

    @inline(__always)
    func matches(_ key: String) -> Bool {
        if hasBits {
            let k = unsafeBitCast(key, to: (UInt64, UInt64).self)
            if k.0 == bits.0 && k.1 == bits.1 { return true }
        }
        return key.utf8.count == length && Value.utf8Equal(key, name)
    }

    /// The value under this name in `map`.
    @inline(__always)
    func lookup(in map: CELMap) -> Value? {
        guard map.count <= CELMap.linearLimit else { return map[string: name] }
        let keys = map.keys
        for i in 0..<keys.count {
            if case .string(let k) = keys[i], matches(k) { return map.values[i] }
        }
        return nil
    }
}

/// The raw representation of a field name: equal representations mean equal strings.
struct KeyBits: Sendable {
    let low: UInt64
    let high: UInt64
    init(_ low: UInt64, _ high: UInt64) {
        self.low = low
        self.high = high
    }

    @inline(__always)
    func same(_ key: String) -> Bool {
        let k = unsafeBitCast(key, to: (UInt64, UInt64).self)
        return k.0 == low && k.1 == high
    }
}
