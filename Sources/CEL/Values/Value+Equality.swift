extension Value {
    /// CEL equality (`==`): numbers compare by numeric value across int, uint and double
    /// (as cel-go does: an int or uint is compared with a double through the double, after
    /// a range check); NaN equals nothing; strings compare by code points (no Unicode
    /// normalisation); lists element-wise; maps by key set and values, ignoring order;
    /// type values by runtime name; optionals by presence and payload; IPs by family and
    /// bits, CIDRs by address (host bits included) and prefix length. Values of
    /// different kinds are unequal, and an error equals nothing. Values nested deeper than
    /// `Value.maxTraversalDepth` compare unequal (the recursion stops there).
    public func celEquals(_ other: Value) -> Bool {
        var budget = Int.max
        return celEquals(other, budget: &budget, depth: 0) ?? false
    }

    /// `celEquals`, spending one unit of `budget` per list element or map entry visited;
    /// nil when the budget runs out or the values nest deeper than `maxTraversalDepth`.
    ///
    /// The recursion goes through small functions only (containers here, scalars in
    /// `scalarEquals`), so that each level of nesting takes little stack, even unoptimised.
    func celEquals(_ other: Value, budget: inout Int, depth: Int) -> Bool? {
        switch self {
        case .list(let a):
            guard case .list(let b) = other else { return false }
            return Value.listEquals(a, b, &budget, depth)
        case .map(let a):
            guard case .map(let b) = other else { return false }
            return Value.mapEquals(a, b, &budget, depth)
        case .optional(let a):
            guard case .optional(let b) = other else { return false }
            switch (a.value, b.value) {
            case (nil, nil): return true
            case (let x?, let y?):
                guard depth < Value.maxTraversalDepth else { return nil }
                return x.celEquals(y, budget: &budget, depth: depth + 1)
            default: return false
            }
        default:
            let read = Value.comparisonBytes(self, other)
            if read > Value.freeComparisonBytes {
                budget &-= read
                if budget < 0 { return nil }
            }
            return scalarEquals(other)
        }
    }

    /// Comparisons of strings or bytes up to this many bytes are part of their node's unit;
    /// longer ones are charged a unit per byte they may read.
    static let freeComparisonBytes = 64

    /// How many bytes hashing `key` reads: a string's or bytes' length, 0 for anything else.
    @inline(__always)
    static func keyBytes(_ key: Value) -> Int {
        if case .string(let x) = key { return x.utf8.count }
        if case .bytes(let x) = key { return x.count }
        return 0
    }

    /// How many bytes comparing `a` with `b` may read: the shorter of two strings or two
    /// byte strings, 0 for anything else.
    @inline(__always)
    static func comparisonBytes(_ a: Value, _ b: Value) -> Int {
        if case .string(let x) = a, case .string(let y) = b { return min(x.utf8.count, y.utf8.count) }
        if case .bytes(let x) = a, case .bytes(let y) = b { return min(x.count, y.count) }
        return 0
    }

    @inline(never)
    private static func listEquals(_ a: [Value], _ b: [Value], _ budget: inout Int, _ depth: Int) -> Bool? {
        guard a.count == b.count else { return false }
        guard depth < Value.maxTraversalDepth else { return nil }
        budget &-= a.count
        if budget < 0 { return nil }
        for i in a.indices {
            guard let equal = a[i].celEquals(b[i], budget: &budget, depth: depth + 1) else { return nil }
            if !equal { return false }
        }
        return true
    }

    @inline(never)
    private static func mapEquals(_ a: CELMap, _ b: CELMap, _ budget: inout Int, _ depth: Int) -> Bool? {
        guard a.count == b.count else { return false }
        guard depth < Value.maxTraversalDepth else { return nil }
        budget &-= a.count
        if budget < 0 { return nil }
        for i in 0..<a.count {
            guard let v = b[a.keys[i]] else { return false }
            guard let equal = a.values[i].celEquals(v, budget: &budget, depth: depth + 1) else { return nil }
            if !equal { return false }
        }
        return true
    }

    /// Equality when `self` is not a list, map or optional.
    @inline(never)
    private func scalarEquals(_ other: Value) -> Bool {
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
        case (.type(let a), .type(let b)): return a.runtimeName == b.runtimeName
        case (.timestamp(let a), .timestamp(let b)): return a == b
        case (.duration(let a), .duration(let b)): return a == b
        case (.ip(let a), .ip(let b)): return a == b
        case (.cidr(let a), .cidr(let b)): return a == b
        default: return false
        }
    }

    /// Deepest nesting of lists, maps and optionals that the recursive operations
    /// (equality, `format`'s `%s`, printing, JSON output) descend into; deeper values are
    /// refused rather than risk the stack (JSON input is at most 1,000 deep).
    public static let maxTraversalDepth = 1_000

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
