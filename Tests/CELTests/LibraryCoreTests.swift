import Testing
@testable import CEL

/// Calls a library function the way the run time does when argument types are only known
/// at run time: the first overload whose parameter types the arguments conform to.
private func call(_ name: String, _ args: Value..., limits: Limits = .default, instance: Bool? = nil) -> Value {
    let decls = limits == .default ? LibraryFixture.decls : StandardLibrary.declarations(limits: limits)
    guard let decl = decls.first(where: { $0.name == name }) else { return .error(CELError("no function \(name)")) }
    for overload in decl.overloads where overload.params.count == args.count
        && (instance == nil || overload.isInstance == instance)
        && zip(overload.params, args).allSatisfy({ $1.conforms(to: $0) || (!overload.isStrict && $1.isError) }) {
        switch overload.implementation {
        case .unary(let f): return f(args[0])
        case .binary(let f): return f(args[0], args[1])
        case .ternary(let f): return f(args[0], args[1], args[2])
        case .variadic(let f): return f(args)
        }
    }
    return .error(CELError("no matching overload of \(name)"))
}

private enum LibraryFixture {
    static let decls = StandardLibrary.declarations(limits: .default)
}

private func isError(_ v: Value, containing text: String = "") -> Bool {
    if case .error(let e) = v { return text.isEmpty || e.message.contains(text) }
    return false
}

private func same(_ a: Value, _ b: Value) -> Bool {
    a.runtimeType == b.runtimeType && (a.celEquals(b) || (a.description == b.description))
}

@Suite("Core library")
struct LibraryCoreTests {
    @Test func declarationsAreMergedByNameWithUniqueIds() {
        let decls = StandardLibrary.declarations(limits: .default)
        #expect(Set(decls.map(\.name)).count == decls.count)
        var ids = Set<String>()
        for d in decls {
            for o in d.overloads where d.name != "cel.@mapInsert" {
                #expect(ids.insert(o.id).inserted, "duplicate overload id \(o.id)")
            }
        }
        let add = decls.first { $0.name == "_+_" }
        #expect(add?.overloads.map(\.id).contains("add_list") == true)
        #expect(decls.first { $0.name == "_<_" }?.overloads.count ?? 0 >= 14)
    }

    @Test func intArithmeticOverflowIsAnError() {
        #expect(same(call("_+_", .int(40), .int(2)), .int(42)))
        #expect(isError(call("_+_", .int(.max), .int(1)), containing: "overflow"))
        #expect(isError(call("_-_", .int(.min), .int(1)), containing: "overflow"))
        #expect(isError(call("_*_", .int(5_000_000_000), .int(5_000_000_000)), containing: "overflow"))
        #expect(isError(call("_/_", .int(.min), .int(-1)), containing: "overflow"))
        #expect(isError(call("_%_", .int(.min), .int(-1)), containing: "overflow"))
        #expect(isError(call("-_", .int(.min)), containing: "overflow"))
        #expect(isError(call("_/_", .int(1), .int(0)), containing: "division by zero"))
        #expect(isError(call("_%_", .int(1), .int(0)), containing: "modulus by zero"))
        #expect(same(call("_%_", .int(-42), .int(-5)), .int(-2)))
        #expect(same(call("_%_", .int(43), .int(-5)), .int(3)))
        #expect(same(call("_/_", .int(-7), .int(2)), .int(-3)))
    }

    @Test func uintArithmetic() {
        #expect(isError(call("_-_", .uint(0), .uint(1)), containing: "overflow"))
        #expect(isError(call("_+_", .uint(.max), .uint(1)), containing: "overflow"))
        #expect(isError(call("_*_", .uint(5_000_000_000), .uint(5_000_000_000)), containing: "overflow"))
        #expect(isError(call("_/_", .uint(1), .uint(0))))
        #expect(isError(call("-_", .uint(1))))
        #expect(same(call("_%_", .uint(42), .uint(5)), .uint(2)))
    }

    @Test func doubleArithmeticIsIEEE() {
        #expect(same(call("_/_", .double(15.75), .double(0)), .double(.infinity)))
        #expect(same(call("_*_", .double(2), .double(8.988466e307)), .double(.infinity)))
        if case .double(let d) = call("-_", .double(0)) { #expect(d.sign == .minus) } else { Issue.record("not a double") }
        #expect(isError(call("_%_", .double(1), .double(2))))
    }

    @Test func concatenationRespectsLimits() {
        var limits = Limits()
        limits.maxStringBytes = 4
        limits.maxCollectionSize = 3
        #expect(same(call("_+_", .string("ab"), .string("cd"), limits: limits), .string("abcd")))
        #expect(isError(call("_+_", .string("ab"), .string("cde"), limits: limits), containing: "limit"))
        #expect(isError(call("_+_", .bytes([1, 2, 3]), .bytes([4, 5]), limits: limits), containing: "limit"))
        #expect(isError(call("_+_", .list([.int(1), .int(2)]), .list([.int(3), .int(4)]), limits: limits), containing: "limit"))
        #expect(same(call("_+_", .list([.int(1)]), .list([.string("a")])), .list([.int(1), .string("a")])))
    }

    @Test func relationsAcrossNumericTypes() {
        #expect(same(call("_<_", .int(1), .uint(2)), .bool(true)))
        #expect(same(call("_<=_", .uint(2), .double(2)), .bool(true)))
        #expect(same(call("_>_", .double(2.5), .int(2)), .bool(true)))
        #expect(same(call("_>=_", .int(-1), .uint(0)), .bool(false)))
        #expect(same(call("_<_", .int(.max), .double(9223372036854775808.0)), .bool(false)))
        #expect(same(call("_>=_", .int(.max), .double(9223372036854775808.0)), .bool(true)))
        #expect(same(call("_<_", .double(.nan), .double(1)), .bool(false)))
        #expect(same(call("_>=_", .double(.nan), .int(1)), .bool(false)))
        #expect(same(call("_<_", .string("a"), .string("b")), .bool(true)))
        #expect(same(call("_<_", .bool(false), .bool(true)), .bool(true)))
        #expect(isError(call("_<_", .list([]), .list([]))))
        #expect(isError(call("_<_", .null, .null)))
    }

    @Test func equalityAndMembership() {
        #expect(same(call("_==_", .int(1), .double(1)), .bool(true)))
        #expect(same(call("_!=_", .double(.nan), .double(.nan)), .bool(true)))
        #expect(same(call("@in", .double(3), .list([.int(5), .int(3)])), .bool(true)))
        #expect(same(call("@in", .uint(3), .list([.double(3)])), .bool(true)))
        #expect(same(call("@in", .string("x"), .list([])), .bool(false)))
        var m = CELMap()
        m.insert(key: .int(1), value: .string("a"))
        #expect(same(call("@in", .uint(1), .map(m)), .bool(true)))
        #expect(same(call("@in", .double(1.5), .map(m)), .bool(false)))
        #expect(same(call("!_", .bool(true)), .bool(false)))
        #expect(same(call("@not_strictly_false", .error(CELError("e"))), .bool(true)))
        #expect(same(call("@not_strictly_false", .bool(false)), .bool(false)))
    }

    @Test func indexing() {
        let list = Value.list([.int(7), .int(8), .int(9)])
        #expect(same(call("_[_]", list, .int(0)), .int(7)))
        #expect(same(call("_[_]", list, .uint(2)), .int(9)))
        #expect(same(call("_[_]", list, .double(1)), .int(8)))
        #expect(isError(call("_[_]", list, .double(0.1))))
        #expect(isError(call("_[_]", list, .int(3)), containing: "index out of bounds"))
        #expect(isError(call("_[_]", list, .int(-1)), containing: "index out of bounds"))
        #expect(isError(call("_[_]", list, .string(""))))
        var m = CELMap()
        m.insert(key: .string("k"), value: .int(1))
        m.insert(key: .int(2), value: .int(2))
        #expect(same(call("_[_]", .map(m), .string("k")), .int(1)))
        #expect(same(call("_[_]", .map(m), .double(2.0)), .int(2)))
        #expect(isError(call("_[_]", .map(m), .string("x")), containing: "no such key: \"x\""))
        #expect(isError(call("_[_]", .map(m), .list([]))))
    }

    @Test func sizesAndStringPredicates() {
        #expect(same(call("size", .string("πέντε")), .int(5)))
        #expect(same(call("size", .string("🐱"), instance: true), .int(1)))
        #expect(same(call("size", .bytes([1, 2, 3])), .int(3)))
        #expect(same(call("size", .map(CELMap())), .int(0)))
        #expect(same(call("contains", .string("abababc"), .string("ababc")), .bool(true)))
        #expect(same(call("contains", .string(""), .string("")), .bool(true)))
        #expect(same(call("contains", .string("hello"), .string("ol")), .bool(false)))
        #expect(same(call("startsWith", .string("завтра"), .string("за")), .bool(true)))
        #expect(same(call("endsWith", .string("forté"), .string("té")), .bool(true)))
        // No Unicode normalisation: a decomposed é is not the precomposed one.
        #expect(same(call("endsWith", .string("caf\u{E9}"), .string("e\u{301}")), .bool(false)))
        #expect(same(call("startsWith", .string(""), .string("foo")), .bool(false)))
    }

    @Test func intAndUintConversions() {
        #expect(same(call("int", .uint(42)), .int(42)))
        #expect(isError(call("int", .uint(.max)), containing: "range"))
        #expect(same(call("int", .double(-7.9)), .int(-7)))
        #expect(isError(call("int", .double(9223372036854775807.0)), containing: "range"))
        #expect(isError(call("int", .double(-9223372036854775808.0)), containing: "range"))
        #expect(isError(call("int", .double(.nan))))
        #expect(isError(call("int", .double(1e99))))
        #expect(same(call("int", .string("-987")), .int(-987)))
        #expect(isError(call("int", .string("1.5"))))
        #expect(isError(call("int", .string(" 1"))))
        #expect(isError(call("int", .string("9223372036854775808"))))
        #expect(same(call("uint", .int(1729)), .uint(1729)))
        #expect(isError(call("uint", .int(-1))))
        #expect(same(call("uint", .double(25.5)), .uint(25)))
        #expect(isError(call("uint", .double(6.022e23))))
        #expect(isError(call("uint", .double(-0.5))))
        #expect(same(call("uint", .string("300")), .uint(300)))
        #expect(isError(call("uint", .string("-3"))))
    }

    @Test func doubleStringBoolConversions() {
        #expect(same(call("double", .int(9_223_372_036_854_775_807)), .double(9.223372036854776e18)))
        #expect(same(call("double", .uint(.max)), .double(1.8446744073709552e19)))
        #expect(same(call("double", .string("-84.32e7")), .double(-843_200_000)))
        #expect(same(call("double", .string("1.38e-23")), .double(1.38e-23)))
        #expect(isError(call("double", .string("1e"))))
        #expect(isError(call("double", .string("abc"))))
        #expect(same(call("string", .double(123.456)), .string("123.456")))
        #expect(same(call("string", .double(-4.5e-3)), .string("-0.0045")))
        #expect(same(call("string", .uint(9876)), .string("9876")))
        #expect(same(call("string", .bytes([0xC3, 0xBF])), .string("ÿ")))
        #expect(isError(call("string", .bytes([0x00, 0xFF])), containing: "UTF-8"))
        #expect(same(call("bytes", .string("ÿ")), .bytes([0xC3, 0xBF])))
        for t in ["1", "t", "T", "true", "TRUE", "True"] { #expect(same(call("bool", .string(t)), .bool(true))) }
        for f in ["0", "f", "F", "false", "FALSE", "False"] { #expect(same(call("bool", .string(f)), .bool(false))) }
        #expect(isError(call("bool", .string("TrUe"))))
        #expect(same(call("type", .list([])), .type(.list(.dyn))))
        #expect(same(call("dyn", .int(1)), .int(1)))
    }

    @Test func mapInsert() {
        var m = CELMap()
        m.insert(key: .string("a"), value: .int(1))
        let grown = call(StandardLibrary.mapInsertFunction, .map(m), .string("b"), .int(2))
        guard case .map(let g) = grown else { Issue.record("not a map: \(grown)"); return }
        #expect(g.count == 2)
        #expect(isError(call("@mapInsert", .map(m), .string("a"), .int(3)), containing: "already exists"))
        #expect(isError(call("@mapInsert", .map(m), .list([]), .int(3))))
    }
}
