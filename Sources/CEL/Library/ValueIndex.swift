/// A membership index over CEL values with CEL equality (`Value.celEquals`): `1`, `1u`
/// and `1.0` are one value, NaN equals nothing, lists and maps compare by content. Lookups
/// and insertions take constant expected time, so that `distinct()` and the sets
/// extension stay linear where cel-go compares every pair.
///
/// CEL's equality is not transitive across kinds (`9007199254740993 == 9007199254740992.0`
/// and `9007199254740992 == 9007199254740992.0`, yet the two ints differ), so numbers are
/// not reduced to one key: ints and uints are kept exactly, doubles by value, and a lookup
/// of a number probes the other kinds through the double it compares as, checking the
/// candidate with `celEquals`. Lists, maps and optionals go to buckets by a shallow hash
/// (numbers hashed through their double, which equal numbers share) and are compared with
/// `celEquals` inside the bucket.
///
/// Every operation spends `budget`: one unit per value plus one per byte of a string or
/// bytes value (hashed whole) and one per element a hash reads,
/// and what `celEquals` spends on the containers it compares. Once the budget is spent (or
/// a comparison nests deeper than `Value.maxTraversalDepth`), `failure` says why and
/// lookups answer false: the caller returns `failure`.
struct ValueIndex {
    /// Cost units left (`Limits.maxCost` minus what the evaluation spent).
    var budget: Int
    /// Why the index stopped: the budget ran out or values nested too deep.
    private(set) var failure: CELError?
    private var exact: Set<ExactKey> = []
    private var doubles: Set<Double> = []
    /// One int and one uint per double they convert to: whether a double equals an int
    /// depends only on that double and the int's kind (the range checks differ).
    private var intsByDouble: [Double: Value] = [:]
    private var uintsByDouble: [Double: Value] = [:]
    private var containers: [Int: [Value]] = [:]

    init(capacity: Int = 0, budget: Int = .max) {
        self.budget = budget
        exact.reserveCapacity(capacity)
    }

    /// Whether the index holds a value equal to `value` (false once `failure` is set).
    mutating func contains(_ value: Value) -> Bool {
        guard spend(1 &+ Value.keyBytes(value)) else { return false }
        switch value {
        case .int(let i):
            return exact.contains(.integer(Int128(i))) || equalsKeptDouble(value, Double(i))
        case .uint(let u):
            return exact.contains(.integer(Int128(u))) || equalsKeptDouble(value, Double(u))
        case .double(let d):
            if d.isNaN { return false }
            if doubles.contains(d) { return true }
            if let i = intsByDouble[d], i.celEquals(value) { return true }
            if let u = uintsByDouble[d], u.celEquals(value) { return true }
            return false
        case .list, .map, .optional:
            guard let bucket = containers[hash(value)] else { return false }
            return bucketContains(bucket, value)
        default:
            guard let key = ExactKey(value) else { return false }
            return exact.contains(key)
        }
    }

    /// Adds `value` (an error or an unhashable value is never found again).
    mutating func insert(_ value: Value) {
        add(value, knownAbsent: false)
    }

    /// Inserts `value` unless an equal value is already there; returns whether it was new.
    mutating func insertIfAbsent(_ value: Value) -> Bool {
        guard !contains(value), failure == nil else { return false }
        add(value, knownAbsent: true)
        return true
    }

    private mutating func add(_ value: Value, knownAbsent: Bool) {
        guard spend(1 &+ Value.keyBytes(value)) else { return }
        switch value {
        case .int(let i):
            exact.insert(.integer(Int128(i)))
            if intsByDouble[Double(i)] == nil { intsByDouble[Double(i)] = value }
        case .uint(let u):
            exact.insert(.integer(Int128(u)))
            if uintsByDouble[Double(u)] == nil { uintsByDouble[Double(u)] = value }
        case .double(let d):
            if !d.isNaN { doubles.insert(d) }
            // Swift's Double hashing already treats 0.0 and -0.0 alike.
        case .list, .map, .optional:
            // Buckets hold unequal values only, so that many copies of one list cost one probe.
            let hash = hash(value)
            if !knownAbsent, let bucket = containers[hash], bucketContains(bucket, value) { return }
            if failure == nil {
                containers[hash, default: []].append(value)
            }
        default:
            if let key = ExactKey(value) { exact.insert(key) }
        }
    }

    /// Spends `units`; false (with `failure` set) when the budget runs out.
    private mutating func spend(_ units: Int) -> Bool {
        budget &-= units
        if budget < 0, failure == nil { failure = Frame.costExceeded }
        return failure == nil
    }

    private mutating func hash(_ value: Value) -> Int {
        _ = spend(value.costUnits)
        return Self.shallowHash(value)
    }

    private mutating func bucketContains(_ bucket: [Value], _ value: Value) -> Bool {
        for kept in bucket {
            guard failure == nil else { return false }
            guard let equal = kept.celEquals(value, budget: &budget, depth: 0) else {
                failure = budget < 0 ? Frame.costExceeded : Frame.tooDeep
                return false
            }
            if equal { return true }
        }
        return false
    }

    private func equalsKeptDouble(_ number: Value, _ d: Double) -> Bool {
        doubles.contains(d) && number.celEquals(.double(d))
    }

    /// Values that equal only values of their own kind, by content.
    private enum ExactKey: Hashable {
        case null
        case bool(Bool)
        /// Ints and uints together: equal numbers are one key.
        case integer(Int128)
        case string([UInt8])
        case bytes([UInt8])
        case timestamp(CELTimestamp)
        case duration(CELDuration)
        case type(String)
        case ip(CELIP)
        case cidr(CELCIDR)

        init?(_ value: Value) {
            switch value {
            case .null: self = .null
            case .bool(let b): self = .bool(b)
            case .int(let i): self = .integer(Int128(i))
            case .uint(let u): self = .integer(Int128(u))
            // Code points, not Swift's canonical equivalence.
            case .string(let s): self = .string(Array(s.utf8))
            case .bytes(let b): self = .bytes(b)
            case .timestamp(let t): self = .timestamp(t)
            case .duration(let d): self = .duration(d)
            case .type(let t): self = .type(t.runtimeName)
            case .ip(let ip): self = .ip(ip)
            case .cidr(let cidr): self = .cidr(cidr)
            default: return nil
            }
        }
    }

    /// A hash that equal lists, maps and optionals share: the kind, the size and the
    /// scalar elements (numbers through their double); nested containers count by kind
    /// and size only, so hashing reads each element once.
    static func shallowHash(_ value: Value) -> Int {
        var hasher = Hasher()
        switch value {
        case .list(let items):
            hasher.combine(0 as UInt8)
            hasher.combine(items.count)
            for item in items { combineScalar(item, into: &hasher) }
        case .map(let m):
            hasher.combine(1 as UInt8)
            hasher.combine(m.count)
            // Entry order does not matter for equality: combine the entries commutatively.
            var sum = 0
            for i in 0..<m.count {
                var entry = Hasher()
                combineScalar(m.keys[i], into: &entry)
                combineScalar(m.values[i], into: &entry)
                sum &+= entry.finalize()
            }
            hasher.combine(sum)
        case .optional(let o):
            hasher.combine(2 as UInt8)
            if let inner = o.value { combineScalar(inner, into: &hasher) } else { hasher.combine(false) }
        default:
            combineScalar(value, into: &hasher)
        }
        return hasher.finalize()
    }

    private static func combineScalar(_ value: Value, into hasher: inout Hasher) {
        switch value {
        case .int(let i): hasher.combine(Double(i))
        case .uint(let u): hasher.combine(Double(u))
        case .double(let d): hasher.combine(d.isNaN ? 0 : d)
        case .list(let l): hasher.combine(10 as UInt8); hasher.combine(l.count)
        case .map(let m): hasher.combine(11 as UInt8); hasher.combine(m.count)
        case .optional(let o): hasher.combine(12 as UInt8); hasher.combine(o.value == nil)
        default:
            if let key = ExactKey(value) { hasher.combine(key) } else { hasher.combine(13 as UInt8) }
        }
    }
}
