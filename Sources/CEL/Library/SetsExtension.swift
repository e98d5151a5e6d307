/// The sets extension (cel-go `ext/sets.go`): `sets.contains`, `sets.equivalent` and
/// `sets.intersects` over lists taken as sets, with CEL equality (`[1] ` contains `1.0`
/// and `1u`). Each call indexes one list (`ValueIndex`) and probes it with the other:
/// linear time where cel-go compares every pair.
public enum SetsExtension {
    public static func declarations(limits: Limits) -> [FunctionDecl] {
        let a = Core.a
        func function(_ name: String, _ id: String, _ body: @escaping @Sendable ([Value], [Value]) -> Bool) -> FunctionDecl {
            FunctionDecl(name: name, overloads: [
                Core.binary(id, .list(a), .list(a), .bool) { x, y in
                    guard case .list(let l) = x, case .list(let r) = y else { return Core.noOverload(name, x, y) }
                    return .bool(body(l, r))
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
    @Sendable public static func contains(_ list: [Value], _ sublist: [Value]) -> Bool {
        guard !sublist.isEmpty else { return true }
        let index = makeIndex(list)
        return sublist.allSatisfy(index.contains)
    }

    /// Whether each list contains the other (duplicates and order do not matter).
    @Sendable public static func equivalent(_ a: [Value], _ b: [Value]) -> Bool {
        contains(a, b) && contains(b, a)
    }

    /// Whether some element of `b` equals some element of `a`.
    @Sendable public static func intersects(_ a: [Value], _ b: [Value]) -> Bool {
        guard !a.isEmpty, !b.isEmpty else { return false }
        let (small, large) = a.count <= b.count ? (a, b) : (b, a)
        let index = makeIndex(small)
        return large.contains(where: index.contains)
    }

    private static func makeIndex(_ list: [Value]) -> ValueIndex {
        var index = ValueIndex(capacity: list.count)
        for v in list { index.insert(v) }
        return index
    }
}
