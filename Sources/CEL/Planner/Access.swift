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
                // By code points, as CEL compares strings (`==` on Swift strings would also
                // match a canonically equivalent key, such as U+212A KELVIN SIGN for `K`).
                if case .string(let k) = keys[i], Value.utf8Equal(k, name) { return map.values[i] }
            }
            return nil
        }
        return map[string: name]
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

    @inline(__always)
    func matches(_ key: String) -> Bool {
        if hasBits {
            let k = unsafeBitCast(key, to: (UInt64, UInt64).self)
            if k.0 == bits.0 && k.1 == bits.1 { return true }
        }
        return key.utf8.count == length && Value.utf8Equal(key, name)
    }

    /// The address of the value under this name in the map at `p`, found by representation
    /// alone (`bits`) in a small map; nil when that does not find it.
    ///
    /// Nothing here calls out of line, so the map is read in place without a copy (around a
    /// call the optimiser cannot see into, it would copy the map to keep it alive).
    @inline(__always)
    func fastAddress(in p: UnsafePointer<Value>) -> UnsafePointer<Value>? {
        guard hasBits, case .map(let m) = p.pointee else { return nil }
        let n = m.count
        guard n <= CELMap.linearLimit else { return nil }
        var i = 0
        while i < n {
            if case .string(let k) = m.keys[i] {
                let kb = unsafeBitCast(k, to: (UInt64, UInt64).self)
                if kb.0 == bits.0 && kb.1 == bits.1 { return m.valueAddress(at: i) }
            }
            i += 1
        }
        return nil
    }

    /// The address of the value under this name in the map at `p`, by code points (large
    /// maps, keys stored differently from the name); nil when absent or not a map.
    @inline(never)
    func address(in p: UnsafePointer<Value>) -> UnsafePointer<Value>? {
        guard case .map(let m) = p.pointee else { return nil }
        if m.count > CELMap.linearLimit {
            return m.position(ofString: name).flatMap { m.valueAddress(at: $0) }
        }
        let keys = m.keys
        for i in 0..<keys.count {
            if case .string(let k) = keys[i], matches(k) { return m.valueAddress(at: i) }
        }
        return nil
    }
}

/// A chain of field selections (`.a.b.c`) with interned names, followed in place: through
/// the maps' storage, copying nothing, not even the selected value.
struct FieldPath: Sendable {
    let fields: [FieldName]
    /// The source offset of each selection, for errors.
    let offsets: [Int32]

    init(_ fields: [String], offsets: [Int32]) {
        self.fields = fields.map(FieldName.init)
        self.offsets = offsets
    }

    /// The offset of the whole selection (its last step).
    var offset: Int32 { offsets.last ?? 0 }

    /// The address of the selected value inside the maps under `base`, or nil when a step
    /// is not a map or lacks the field (then `select` reports why). Valid as long as the
    /// value at `base` is neither modified nor released.
    @inline(__always)
    func address(from base: UnsafePointer<Value>) -> UnsafePointer<Value>? {
        var p = base
        var i = 0
        while i < fields.count {
            guard let next = fields[i].fastAddress(in: p) ?? fields[i].address(in: p) else { return nil }
            p = next
            i += 1
        }
        return p
    }

    /// The selected value, or the error of the failing step with that step's offset.
    func select(_ value: Value) -> Value {
        Access.selectPath(value, fields, offsets)
    }
}
