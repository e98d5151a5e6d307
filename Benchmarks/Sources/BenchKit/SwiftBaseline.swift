import Foundation

/// The benchmark input decoded into plain Swift types: the "pre-resolved fields" that a
/// hand-written Swift rule would read. A class, so that passing it costs a reference, not
/// a copy of every field.
public final class BaselineInput: Decodable, Sendable {
    public struct Customer: Decodable, Sendable { public var tier: String; public var name: String }
    public struct Order: Decodable, Sendable { public var customer: Customer; public var total: Double }
    public struct Item: Decodable, Sendable { public var qty: Int; public var price: Int; public var name: String }
    public let a: Int, b: Int, c: Int
    public let x: Double, y: Double
    public let s: String, t: String
    public let n: Int
    public let order: Order
    public let items: [Item]
}

/// The twelve cases written as Swift closures compiled with -O: the floor an
/// interpreter written in Swift can approach.
public enum SwiftBaseline {
    public static let set20: Set<Int> = Set(1...20)

    /// Returns a closure per case name; each sinks its (concretely typed) result so the
    /// optimiser cannot drop the work, and nothing is boxed.
    public static func closures() -> [String: @Sendable (BaselineInput) -> Void] {
        [
            "trivial": { _ in blackHole(1) },
            "int_arith": { v in blackHole((v.a + v.b) * v.c - v.a / 3 + v.b % 7) },
            "dbl_arith": { v in blackHole((v.x * 1.5 + v.y) / (v.x - 0.5) * 2.0) },
            "str_concat": { v in blackHole(v.s + "-" + v.t + "-suffix") },
            "str_pred": { v in blackHole(v.s.contains("test") && v.s.hasPrefix("hello")) },
            "str_size": { v in blackHole(v.s.unicodeScalars.count) },
            "field_eq": { v in blackHole(v.order.customer.tier == "gold") },
            "ternary_rule": { v in
                let tier = v.order.customer.tier, total = v.order.total
                let price: Double
                if tier == "platinum" { price = total * 0.7 }
                else if tier == "gold" { price = total > 1000.0 ? total * 0.8 : total * 0.9 }
                else if tier == "silver" { price = total * 0.95 }
                else { price = total > 500.0 ? total - 10.0 : total }
                blackHole(price)
            },
            "in_list20": { v in blackHole(set20.contains(v.n)) },
            "all_100": { v in blackHole(v.items.allSatisfy { $0.price > 0 }) },
            "map_100": { v in blackHole(v.items.map { $0.qty * $0.price }.count) },
            "filter_100": { v in blackHole(v.items.filter { $0.qty > 5 }.count) },
        ]
    }
}
