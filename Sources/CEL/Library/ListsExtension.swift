/// The lists extension (cel-go `ext/lists.go`, latest version): `lists.range`, `slice`,
/// `flatten` (with a depth), `distinct`, `reverse`, `sort`, `sortBy` (a macro over
/// `@sortByAssociatedKeys`, expanded by the parser as cel-go does), `first` and `last`.
///
/// Results longer than `Limits.maxCollectionSize` are errors, refused before they are
/// built. `distinct` hashes (see `ValueIndex`) instead of comparing every pair; `sort` is
/// stable and takes n log n comparisons.
public enum ListsExtension {
    /// The comparable element types `sort` and `sortBy` keys accept (cel-go's list).
    static let comparable: [(String, CELType)] = [
        ("int", .int), ("uint", .uint), ("double", .double), ("bool", .bool),
        ("google.protobuf.Duration", .duration), ("google.protobuf.Timestamp", .timestamp),
        ("string", .string), ("bytes", .bytes),
    ]

    /// The function the `sortBy` expansion calls.
    static let sortByKeys = "@sortByAssociatedKeys"

    public static func declarations(limits: Limits) -> [FunctionDecl] {
        let maxItems = limits.maxCollectionSize
        let a = Core.a
        return [
            FunctionDecl(name: "lists.range", overloads: [
                Core.unary("lists_range", .int, .list(.int)) { n in
                    guard case .int(let count) = n else { return Core.noOverload("lists.range", n) }
                    return range(count, maxItems: maxItems)
                },
            ]),
            FunctionDecl(name: "slice", overloads: [
                Overload(id: "list_slice", isInstance: true, params: [.list(a), .int, .int], result: .list(a),
                         implementation: .ternary { l, s, e in
                             guard case .list(let items) = l, case .int(let start) = s, case .int(let end) = e else {
                                 return Core.noOverload("slice", l, s, e)
                             }
                             return slice(items, start, end)
                         }),
            ]),
            FunctionDecl(name: "flatten", overloads: [
                Core.unary("list_flatten", .list(.list(a)), .list(a), instance: true) { l in
                    guard case .list(let items) = l else { return Core.noOverload("flatten", l) }
                    return flatten(items, depth: 1, maxItems: maxItems)
                }.metered { l, _, budget in
                    guard case .list(let items) = l else { return Core.noOverload("flatten", l) }
                    return flatten(items, depth: 1, maxItems: maxItems, budget: &budget)
                },
                Core.binary("list_flatten_int", .list(.dyn), .int, .list(.dyn), instance: true) { l, d in
                    guard case .list(let items) = l, case .int(let depth) = d else {
                        return Core.noOverload("flatten", l, d)
                    }
                    return flatten(items, depth: depth, maxItems: maxItems)
                }.metered { l, d, budget in
                    guard case .list(let items) = l, case .int(let depth) = d else {
                        return Core.noOverload("flatten", l, d)
                    }
                    return flatten(items, depth: depth, maxItems: maxItems, budget: &budget)
                },
            ]),
            FunctionDecl(name: "distinct", overloads: [
                Core.unary("list_distinct", .list(a), .list(a), instance: true) { l in
                    guard case .list(let items) = l else { return Core.noOverload("distinct", l) }
                    return distinct(items)
                }.metered { l, _, budget in
                    guard case .list(let items) = l else { return Core.noOverload("distinct", l) }
                    return distinct(items, budget: &budget)
                },
            ]),
            FunctionDecl(name: "reverse", overloads: [
                Core.unary("list_reverse", .list(a), .list(a), instance: true) { l in
                    guard case .list(let items) = l else { return Core.noOverload("reverse", l) }
                    return .list(Array(items.reversed()))
                },
            ]),
            FunctionDecl(name: "sort", overloads: comparable.map { name, t in
                Core.unary("list_\(name)_sort", .list(t), .list(t), instance: true) { l in
                    guard case .list(let items) = l else { return Core.noOverload("sort", l) }
                    return sortByKeys(items, keys: items)
                }.metered { l, _, budget in
                    guard case .list(let items) = l else { return Core.noOverload("sort", l) }
                    return sortByKeys(items, keys: items, budget: &budget)
                }
            }),
            FunctionDecl(name: sortByKeys, overloads: comparable.map { name, t in
                Core.binary("list_\(name)_sortByAssociatedKeys", .list(a), .list(t), .list(a), instance: true) { l, k in
                    guard case .list(let items) = l, case .list(let keys) = k else {
                        return Core.noOverload(sortByKeys, l, k)
                    }
                    return sortByKeys(items, keys: keys)
                }.metered { l, k, budget in
                    guard case .list(let items) = l, case .list(let keys) = k else {
                        return Core.noOverload(sortByKeys, l, k)
                    }
                    return sortByKeys(items, keys: keys, budget: &budget)
                }
            }),
            FunctionDecl(name: "first", overloads: [
                Core.unary("list_first", .list(a), .optional(a), instance: true) { l in
                    guard case .list(let items) = l else { return Core.noOverload("first", l) }
                    return .optional(OptionalValue(items.first))
                },
            ]),
            FunctionDecl(name: "last", overloads: [
                Core.unary("list_last", .list(a), .optional(a), instance: true) { l in
                    guard case .list(let items) = l else { return Core.noOverload("last", l) }
                    return .optional(OptionalValue(items.last))
                },
            ]),
        ]
    }

    // MARK: - Implementations

    /// `[0, 1, ..., n-1]`; empty for n <= 0 (as cel-go).
    public static func range(_ n: Int64, maxItems: Int) -> Value {
        guard n > 0 else { return .list([]) }
        guard n <= Int64(maxItems) else { return tooMany(maxItems) }
        return .list((0..<n).map(Value.int))
    }

    /// Elements `start..<end`, with cel-go's errors for negative, crossed or too large indices.
    public static func slice(_ items: [Value], _ start: Int64, _ end: Int64) -> Value {
        if start < 0 || end < 0 {
            return .error(CELError("cannot slice(\(start), \(end)), negative indexes not supported"))
        }
        if start > end {
            return .error(CELError("cannot slice(\(start), \(end)), start index must be less than or equal to end index"))
        }
        if Int64(items.count) < end {
            return .error(CELError("cannot slice(\(start), \(end)), list is length \(items.count)"))
        }
        return .list(Array(items[Int(start)..<Int(end)]))
    }

    /// Nested lists spliced in up to `depth` levels; other elements kept as they are.
    public static func flatten(_ items: [Value], depth: Int64, maxItems: Int) -> Value {
        var budget = Int.max
        return flatten(items, depth: depth, maxItems: maxItems, budget: &budget)
    }

    /// `flatten`, spending one unit of `budget` per element it visits (nested lists, even
    /// empty ones, included) and per element of the result.
    static func flatten(_ items: [Value], depth: Int64, maxItems: Int, budget: inout Int) -> Value {
        guard depth >= 0 else { return .error(CELError("level must be non-negative")) }
        var result: [Value] = []
        result.reserveCapacity(min(items.count, maxItems))
        if let stop = append(items, depth: depth, nesting: 0, to: &result, maxItems: maxItems, budget: &budget) {
            return stop
        }
        budget &-= result.count
        return budget < 0 ? .error(Frame.costExceeded) : .list(result)
    }

    /// An error when the result would pass `maxItems` or the budget runs out. Recursion is
    /// bounded by the nesting of the value itself (values nest at most `Limits.maxValueDepth`
    /// deep when built), and stopped at `Value.maxTraversalDepth` in any case.
    private static func append(_ items: [Value], depth: Int64, nesting: Int, to result: inout [Value],
                               maxItems: Int, budget: inout Int) -> Value? {
        budget &-= items.count
        if budget < 0 { return .error(Frame.costExceeded) }
        for item in items {
            if depth > 0, nesting < Value.maxTraversalDepth, case .list(let inner) = item {
                if let stop = append(inner, depth: depth - 1, nesting: nesting + 1, to: &result,
                                     maxItems: maxItems, budget: &budget) {
                    return stop
                }
            } else {
                guard result.count < maxItems else { return tooMany(maxItems) }
                result.append(item)
            }
        }
        return nil
    }

    /// The first of each group of equal elements (CEL equality: `[1, 1u, 1.0]` has one), in order.
    public static func distinct(_ items: [Value]) -> Value {
        var budget = Int.max
        return distinct(items, budget: &budget)
    }

    /// `distinct`, spending `budget` on what it hashes and compares (`ValueIndex`) and one
    /// unit per element of the result; `Frame.costExceeded` when it runs out.
    static func distinct(_ items: [Value], budget: inout Int) -> Value {
        var seen = ValueIndex(capacity: items.count, budget: budget)
        var result: [Value] = []
        for item in items where seen.insertIfAbsent(item) { result.append(item) }
        budget = seen.budget &- result.count
        if let failure = seen.failure { return .error(failure) }
        return budget < 0 ? .error(Frame.costExceeded) : .list(result)
    }

    /// `sortByKeys`, first spending `budget` on what sorting reads (`sortCost`) and builds;
    /// `Frame.costExceeded`, without sorting, when the budget cannot cover it.
    static func sortByKeys(_ items: [Value], keys: [Value], budget: inout Int) -> Value {
        budget &-= sortCost(keys) &+ items.count
        if budget < 0 { return .error(Frame.costExceeded) }
        return sortByKeys(items, keys: keys)
    }

    /// What a sort of `keys` reads, as an upper bound taken before it runs: each of the
    /// ⌈log2 n⌉ merge levels visits every key once, and a string or bytes key is read up to
    /// its whole length in a comparison.
    static func sortCost(_ keys: [Value]) -> Int {
        guard keys.count > 1 else { return keys.count }
        let levels = Int.bitWidth - (keys.count - 1).leadingZeroBitCount
        var perLevel = keys.count
        for key in keys { perLevel &+= key.costUnits }
        let (total, overflow) = perLevel.multipliedReportingOverflow(by: levels)
        return overflow ? .max : total
    }

    /// `items` ordered by `keys` (same length, one comparable kind), stable: equal keys keep
    /// their order. NaN keys sort after every other double.
    public static func sortByKeys(_ items: [Value], keys: [Value]) -> Value {
        guard items.count == keys.count else {
            return .error(CELError(
                "@sortByAssociatedKeys() expected a list of the same size as the associated keys list, but got \(items.count) and \(keys.count) elements respectively"))
        }
        guard let first = keys.first else { return .list(items) }
        guard isComparable(first) else { return .error(CELError("list elements must be comparable")) }
        let kind = first.runtimeType.runtimeName
        for key in keys where key.runtimeType.runtimeName != kind {
            if case .error = key { return key }
            return .error(CELError("list elements must have the same type"))
        }
        var order = Array(keys.indices)
        order.sort { i, j in
            switch precedes(keys[i], keys[j]) {
            case .less: return true
            case .greater: return false
            default: return i < j
            }
        }
        return .list(order.map { items[$0] })
    }

    private static func isComparable(_ v: Value) -> Bool {
        switch v {
        case .int, .uint, .double, .bool, .duration, .timestamp, .string, .bytes: return true
        default: return false
        }
    }

    /// A total order for keys of one kind: `compare`, with NaN after every double.
    private static func precedes(_ a: Value, _ b: Value) -> CELOrdering {
        if case .double(let x) = a, case .double(let y) = b, x.isNaN || y.isNaN {
            return x.isNaN == y.isNaN ? .equal : (x.isNaN ? .greater : .less)
        }
        return a.compare(b) ?? .equal
    }

    private static func tooMany(_ maxItems: Int) -> Value {
        .error(CELError("list result exceeds the limit of \(maxItems) elements (Limits.maxCollectionSize)"))
    }
}
