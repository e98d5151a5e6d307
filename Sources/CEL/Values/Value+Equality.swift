extension Value {
    /// CEL equality (`==`): numbers compare by numeric value across int, uint and double
    /// (as cel-go does: an int or uint is compared with a double through the double, after
    /// a range check); NaN equals nothing; strings compare by code points (no Unicode
    /// normalisation); lists element-wise; maps by key set and values, ignoring order;
    /// type values by runtime name; optionals by presence and payload. Values of
    /// different kinds are unequal, and an error equals nothing.
    public func celEquals(_ other: Value) -> Bool {
        switch (self, other) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.uint(let a), .uint(let b)): return a == b
        case (.double(let a), .double(let b)): return a == b
        case (.int(let a), .uint(let b)), (.uint(let b), .int(let a)):
            return a >= 0 && UInt64(a) == b
        case (.int(let a), .double(let b)), (.double(let b), .int(let a)):
            return Value.compare(a, b) == .equal
        case (.uint(let a), .double(let b)), (.double(let b), .uint(let a)):
            return Value.compare(a, b) == .equal
        case (.string(let a), .string(let b)): return Value.utf8Equal(a, b)
        case (.bytes(let a), .bytes(let b)): return a == b
        case (.list(let a), .list(let b)):
            guard a.count == b.count else { return false }
            for i in a.indices where !a[i].celEquals(b[i]) { return false }
            return true
        case (.map(let a), .map(let b)):
            guard a.count == b.count else { return false }
            for i in 0..<a.count {
                guard let v = b[a.keys[i]], a.values[i].celEquals(v) else { return false }
            }
            return true
        case (.type(let a), .type(let b)): return a.runtimeName == b.runtimeName
        case (.timestamp(let a), .timestamp(let b)): return a == b
        case (.duration(let a), .duration(let b)): return a == b
        case (.optional(let a), .optional(let b)):
            switch (a.value, b.value) {
            case (nil, nil): return true
            case (let x?, let y?): return x.celEquals(y)
            default: return false
            }
        default: return false
        }
    }

    /// Whether two strings hold the same code points (Swift's `==` would also equate
    /// canonically equivalent strings, which CEL does not).
    @inlinable
    public static func utf8Equal(_ a: String, _ b: String) -> Bool {
        // Identical representations (the same buffer, or the same inline small string,
        // as for field names) hold the same bytes: no need to look at them.
        if sameRepresentation(a, b) { return true }
        let au = a.utf8, bu = b.utf8
        guard au.count == bu.count else { return false }
        if let r = au.withContiguousStorageIfAvailable({ ab in
            bu.withContiguousStorageIfAvailable { bb in memcmpEqual(ab, bb) }
        }), let result = r {
            return result
        }
        return au.elementsEqual(bu)
    }

    @usableFromInline
    static func sameRepresentation(_ a: String, _ b: String) -> Bool {
        withUnsafeBytes(of: a) { ra in
            withUnsafeBytes(of: b) { rb in
                var i = 0
                while i < ra.count {
                    if ra[i] != rb[i] { return false }
                    i += 1
                }
                return true
            }
        }
    }

    @usableFromInline
    static func memcmpEqual(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var i = 0
        while i < a.count {
            if a[i] != b[i] { return false }
            i += 1
        }
        return true
    }
}
