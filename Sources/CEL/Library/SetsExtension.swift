/// The sets extension (cel-go `ext/sets.go`): `sets.contains`, `sets.equivalent` and
/// `sets.intersects` over lists taken as sets, with CEL equality (`[1]` contains `1.0`
/// and `1u`). Each call indexes one list (`ValueIndex`) and probes it with the other:
/// linear time where cel-go compares every pair. Inside an evaluation the calls spend the
/// budget on what they hash and compare (`Overload.metered`).
public enum SetsExtension {
    public static func declarations(limits: Limits) -> [FunctionDecl] {
        let a = Core.a
        typealias Body = @Sendable ([Value], [Value], inout Int) -> Value
        func function(_ name: String, _ id: String, _ body: @escaping Body) -> FunctionDecl {
            FunctionDecl(name: name, overloads: [
                Core.binary(id, .list(a), .list(a), .bool) { x, y in
                    guard case .list(let l) = x, case .list(let r) = y else { return Core.noOverload(name, x, y) }
                    var budget = Int.max
                    return body(l, r, &budget)
                }.metered { x, y, budget in
                    guard case .list(let l) = x, case .list(let r) = y else { return Core.noOverload(name, x, y) }
                    return body(l, r, &budget)
                },
            ])
        }
        return [
            function("sets.contains", "list_sets_contains_list", contains),
            function("sets.equivalent", "list_sets_equivalent_list", equivalent),
            function("sets.intersects", "list_sets_intersects_list", intersects),
        ]
    }

    /// Whether every element of `sublist` equals some element of `list` (true for `[]`).
    public static func contains(_ list: [Value], _ sublist: [Value]) -> Bool {
        var budget = Int.max
        return isTrue(contains(list, sublist, &budget))
    }

    /// Whether each list contains the other (duplicates and order do not matter).
    public static func equivalent(_ a: [Value], _ b: [Value]) -> Bool {
        var budget = Int.max
        return isTrue(equivalent(a, b, &budget))
    }

    /// Whether some element of `b` equals some element of `a`.
    public static func intersects(_ a: [Value], _ b: [Value]) -> Bool {
        var budget = Int.max
        return isTrue(intersects(a, b, &budget))
    }

    @Sendable static func contains(_ list: [Value], _ sublist: [Value], _ budget: inout Int) -> Value {
        guard !sublist.isEmpty else { return .bool(true) }
        var index = makeIndex(list, &budget)
        let all = sublist.allSatisfy { index.contains($0) }
        return finish(index, .bool(all), &budget)
    }

    @Sendable static func equivalent(_ a: [Value], _ b: [Value], _ budget: inout Int) -> Value {
        let forward = contains(a, b, &budget)
        guard isTrue(forward) else { return forward }
        return contains(b, a, &budget)
    }

    @Sendable static func intersects(_ a: [Value], _ b: [Value], _ budget: inout Int) -> Value {
        guard !a.isEmpty, !b.isEmpty else { return .bool(false) }
        let (small, large) = a.count <= b.count ? (a, b) : (b, a)
        var index = makeIndex(small, &budget)
        let any = large.contains { index.contains($0) }
        return finish(index, .bool(any), &budget)
    }

    private static func isTrue(_ v: Value) -> Bool {
        if case .bool(true) = v { return true }
        return false
    }

    private static func makeIndex(_ list: [Value], _ budget: inout Int) -> ValueIndex {
        var index = ValueIndex(capacity: list.count, budget: budget)
        for v in list { index.insert(v) }
        return index
    }

    /// `result`, or the index's failure; hands the budget left back.
    private static func finish(_ index: ValueIndex, _ result: Value, _ budget: inout Int) -> Value {
        budget = index.budget
        if let failure = index.failure { return .error(failure) }
        return result
    }
}
