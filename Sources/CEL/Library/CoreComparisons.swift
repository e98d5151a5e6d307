/// Equality, ordering (`< <= > >=` including every int/uint/double pairing), `in`,
/// `!` and the non-strict `@not_strictly_false` used by comprehension loop conditions.
enum CoreComparisons {
    /// The operand type pairs that have relation overloads, with their cel-go id suffixes.
    static let orderedPairs: [(suffix: String, lhs: CELType, rhs: CELType)] = [
        ("bool", .bool, .bool),
        ("int64", .int, .int),
        ("uint64", .uint, .uint),
        ("double", .double, .double),
        ("string", .string, .string),
        ("bytes", .bytes, .bytes),
        ("timestamp", .timestamp, .timestamp),
        ("duration", .duration, .duration),
        ("int64_uint64", .int, .uint),
        ("int64_double", .int, .double),
        ("uint64_int64", .uint, .int),
        ("uint64_double", .uint, .double),
        ("double_int64", .double, .int),
        ("double_uint64", .double, .uint),
    ]

    static func declarations() -> [FunctionDecl] {
        let relations: [(name: String, prefix: String, body: @Sendable (Value, Value) -> Value)] = [
            (Operators.less, "less", less),
            (Operators.lessEquals, "less_equals", lessEquals),
            (Operators.greater, "greater", greater),
            (Operators.greaterEquals, "greater_equals", greaterEquals),
        ]
        var decls = relations.map { relation in
            FunctionDecl(name: relation.name, overloads: orderedPairs.map { pair in
                Core.binary("\(relation.prefix)_\(pair.suffix)", pair.lhs, pair.rhs, .bool, relation.body)
            })
        }
        decls += [
            FunctionDecl(name: Operators.equals, overloads: [
                Core.binary("equals", Core.a, Core.a, .bool, equals).metered(meteredEquals(negated: false)),
            ]),
            FunctionDecl(name: Operators.notEquals, overloads: [
                Core.binary("not_equals", Core.a, Core.a, .bool, notEquals).metered(meteredEquals(negated: true)),
            ]),
            FunctionDecl(name: Operators.in, overloads: [
                Core.binary("in_list", Core.a, .list(Core.a), .bool, contained).metered(meteredContained),
                Core.binary("in_map", Core.a, .map(Core.a, Core.b), .bool, contained).metered(meteredKeyLookup),
            ]),
            FunctionDecl(name: Operators.logicalNot, overloads: [
                Core.unary("logical_not", .bool, .bool) { a in
                    guard case .bool(let x) = a else { return Core.noOverload("!_", a) }
                    return .bool(!x)
                },
            ]),
            FunctionDecl(name: Operators.notStrictlyFalse, overloads: [
                Overload(id: "not_strictly_false", params: [.bool], result: .bool, isStrict: false,
                         implementation: .unary { a in
                             if case .bool(false) = a { return .bool(false) }
                             return .bool(true)
                         }),
            ]),
        ]
        return decls
    }

    /// `a == b` with CEL's heterogeneous semantics (see ``Value/celEquals(_:)``).
    @Sendable static func equals(_ a: Value, _ b: Value) -> Value {
        .bool(a.celEquals(b))
    }

    /// `a != b`.
    @Sendable static func notEquals(_ a: Value, _ b: Value) -> Value {
        .bool(!a.celEquals(b))
    }

    @Sendable static func less(_ a: Value, _ b: Value) -> Value {
        switch (a, b) {
        case (.int(let x), .int(let y)): return .bool(x < y)
        case (.double(let x), .double(let y)): return .bool(x < y)
        default:
            guard let o = a.compare(b) else { return Core.noOverload("_<_", a, b) }
            return .bool(o == .less)
        }
    }

    @Sendable static func lessEquals(_ a: Value, _ b: Value) -> Value {
        switch (a, b) {
        case (.int(let x), .int(let y)): return .bool(x <= y)
        case (.double(let x), .double(let y)): return .bool(x <= y)
        default:
            guard let o = a.compare(b) else { return Core.noOverload("_<=_", a, b) }
            return .bool(o == .less || o == .equal)
        }
    }

    @Sendable static func greater(_ a: Value, _ b: Value) -> Value {
        switch (a, b) {
        case (.int(let x), .int(let y)): return .bool(x > y)
        case (.double(let x), .double(let y)): return .bool(x > y)
        default:
            guard let o = a.compare(b) else { return Core.noOverload("_>_", a, b) }
            return .bool(o == .greater)
        }
    }

    @Sendable static func greaterEquals(_ a: Value, _ b: Value) -> Value {
        switch (a, b) {
        case (.int(let x), .int(let y)): return .bool(x >= y)
        case (.double(let x), .double(let y)): return .bool(x >= y)
        default:
            guard let o = a.compare(b) else { return Core.noOverload("_>=_", a, b) }
            return .bool(o == .greater || o == .equal)
        }
    }

    /// `==` (or `!=`) inside an evaluation: each list element or map entry compared is
    /// spent from the budget.
    static func meteredEquals(negated: Bool) -> MeteredImplementation {
        { a, b, budget in
            if a.isError { return a }
            if b.isError { return b }
            guard let equal = a.celEquals(b, budget: &budget, depth: 0) else {
                return .error(budget < 0 ? Frame.costExceeded : Frame.tooDeep)
            }
            return .bool(equal != negated)
        }
    }

    /// `x in list` inside an evaluation: one unit per element, plus what comparing spends.
    static let meteredContained: MeteredImplementation = { x, container, budget in
        guard case .list(let items) = container else { return contained(x, container) }
        for item in items {
            budget -= 1
            guard let equal = x.celEquals(item, budget: &budget, depth: 0) else {
                return .error(budget < 0 ? Frame.costExceeded : Frame.tooDeep)
            }
            if equal { return .bool(true) }
        }
        return budget < 0 ? .error(Frame.costExceeded) : .bool(false)
    }

    /// `k in map` inside an evaluation: a string or bytes key is hashed whole, so one longer
    /// than `Value.freeComparisonBytes` is charged a unit per byte.
    static let meteredKeyLookup: MeteredImplementation = { key, container, budget in
        let bytes = Value.keyBytes(key)
        if bytes > Value.freeComparisonBytes {
            budget -= bytes
            if budget < 0 { return .error(Frame.costExceeded) }
        }
        return contained(key, container)
    }

    /// `x in list` (any element CEL-equal to x) and `k in map` (a key numerically equal to k).
    @Sendable static func contained(_ x: Value, _ container: Value) -> Value {
        switch container {
        case .list(let items):
            for item in items where x.celEquals(item) { return .bool(true) }
            return .bool(false)
        case .map(let m):
            return .bool(m[x] != nil)
        default:
            return Core.noOverload("@in", x, container)
        }
    }
}
