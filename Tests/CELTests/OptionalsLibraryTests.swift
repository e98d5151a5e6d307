import Testing
@testable import CEL

@Suite("OptionalsLibrary")
struct OptionalsLibraryTests {
    static let decls = OptionalsLibrary.declarations(limits: .default)
    func call(_ id: String, _ args: Value...) -> Value { LibraryCall.invoke(Self.decls, id, args) }

    static func some(_ v: Value) -> Value { .optional(OptionalValue(v)) }
    static let none = Value.optional(.none)
    static func map(_ entries: [(Value, Value)]) -> Value {
        var m = CELMap()
        for (k, v) in entries { m.insert(key: k, value: v) }
        return .map(m)
    }

    /// An optional's payload (nil for none), or the value itself when it is not an optional.
    func payload(_ v: Value) -> Value? {
        if case .optional(let o) = v { return o.value }
        return v
    }

    func isNone(_ v: Value) -> Bool {
        if case .optional(let o) = v { return o.value == nil }
        return false
    }

    @Test func constructors() {
        #expect(LibraryCall.same(payload(call("optional_of", .null)) ?? .int(0), .null))
        #expect(isNone(call("optional_none")))
        let zeros: [Value] = [.null, .bool(false), .int(0), .uint(0), .double(0), .double(-0.0), .string(""), .bytes([]),
                              .list([]), Self.map([]), .duration(CELDuration(seconds: 0, nanos: 0)),
                              .timestamp(CELTimestamp(seconds: 0, nanos: 0))]
        for z in zeros {
            #expect(isNone(call("optional_ofNonZeroValue", z)), "\(z)")
        }
        let nonZeros: [Value] = [.bool(true), .int(42), .uint(1), .double(.nan), .string("a"), .bytes([0]), .list([.null]),
                                 Self.map([(.string("k"), .null)]), .duration(CELDuration(seconds: 0, nanos: 1)),
                                 .type(.int), Self.none]
        for v in nonZeros {
            #expect(!isNone(call("optional_ofNonZeroValue", v)), "\(v)")
        }
    }

    @Test func accessors() {
        #expect(LibraryCall.same(call("optional_hasValue", Self.some(.int(1))), .bool(true)))
        #expect(LibraryCall.same(call("optional_hasValue", Self.none), .bool(false)))
        #expect(call("optional_hasValue", .int(1)).isError)
        #expect(LibraryCall.same(call("optional_value", Self.some(.string("x"))), .string("x")))
        #expect(call("optional_value", Self.none).errorValue?.message == "optional.none() dereference")
    }

    @Test func orAndOrValueShortCircuit() {
        let boom = Value.error(CELError("boom"))
        #expect(LibraryCall.same(payload(call("optional_or_optional", Self.some(.int(1)), boom)) ?? .null, .int(1)))
        #expect(LibraryCall.same(payload(call("optional_or_optional", Self.none, Self.some(.int(2)))) ?? .null, .int(2)))
        #expect(isNone(call("optional_or_optional", Self.none, Self.none)))
        #expect(call("optional_or_optional", Self.none, boom).isError)
        #expect(call("optional_or_optional", Self.none, .int(3)).isError)
        #expect(call("optional_or_optional", boom, Self.none).isError)
        #expect(LibraryCall.same(call("optional_orValue_value", Self.some(.int(1)), boom), .int(1)))
        #expect(LibraryCall.same(call("optional_orValue_value", Self.none, .int(42)), .int(42)))
        #expect(call("optional_orValue_value", Self.none, boom).isError)
        #expect(call("optional_orValue_value", .int(1), .int(2)).isError)
    }

    @Test func unwrap() {
        let list = Value.list([Self.some(.int(1)), Self.none, Self.some(.string("x"))])
        #expect(LibraryCall.same(call("optional_unwrap", list), .list([.int(1), .string("x")])))
        #expect(LibraryCall.same(call("optional_unwrapOpt", list), .list([.int(1), .string("x")])))
        #expect(LibraryCall.same(call("optional_unwrap", .list([])), .list([])))
        #expect(call("optional_unwrap", .list([.int(1)])).isError)
        #expect(call("optional_unwrapOpt", .int(1)).isError)
    }

    @Test func optionalSelection() {
        let m = Self.map([(.string("key"), .map(CELMap())), (.string("null_key"), .null)])
        #expect(!isNone(call("select_optional_field", m, .string("key"))))
        #expect(LibraryCall.same(payload(call("select_optional_field", m, .string("null_key"))) ?? .int(0), .null))
        #expect(isNone(call("select_optional_field", m, .string("missing"))))
        #expect(isNone(call("optional_select_optional_field", Self.none, .string("x"))))
        #expect(!isNone(call("optional_select_optional_field", Self.some(m), .string("key"))))
        #expect(isNone(call("optional_select_optional_field", Self.some(m), .string("nope"))))
        #expect(call("dyn_select_optional_field", .int(1), .string("x")).isError)
        #expect(call("dyn_select_optional_field", .error(CELError("e")), .string("x")).isError)
    }

    @Test func optionalIndexing() {
        let list = Value.list([.string("foo")])
        let m = Self.map([(.uint(1), .double(1)), (.int(2), .double(2)), (.uint(3), .double(3)), (.bool(true), .int(1))])
        let rows: [(String, Value, Value, Value?)] = [
            ("list_optindex_optional_int", list, .int(0), .string("foo")),
            ("list_optindex_optional_int", list, .int(1), nil),
            ("list_optindex_optional_int", list, .int(-1), nil),
            ("list_optindex_optional_int", .list([]), .int(0), nil),
            ("list_optindex_optional_int", list, .uint(0), .string("foo")),
            ("list_optindex_optional_int", list, .double(0), .string("foo")),
            ("optional_list_optindex_optional_int", Self.some(list), .int(0), .string("foo")),
            ("optional_list_optindex_optional_int", Self.some(.list([])), .int(0), nil),
            ("optional_list_optindex_optional_int", Self.none, .int(0), nil),
            ("map_optindex_optional_value", m, .bool(true), .int(1)),
            ("map_optindex_optional_value", m, .bool(false), nil),
            ("map_optindex_optional_value", m, .double(3.0), .double(3)),
            ("map_optindex_optional_value", m, .uint(2), .double(2)),
            ("map_optindex_optional_value", m, .int(1), .double(1)),
            ("map_optindex_optional_value", m, .double(1.5), nil),
            ("optional_map_optindex_optional_value", Self.some(m), .int(2), .double(2)),
            ("optional_map_optindex_optional_value", Self.none, .int(2), nil),
            ("optional_list_index_int", Self.some(.list([.string("list-value")])), .int(0), .string("list-value")),
            ("optional_list_index_int", Self.none, .int(0), nil),
            ("optional_map_index_value", Self.some(Self.map([])), .string("missing"), nil),
        ]
        for (id, operand, key, expected) in rows {
            let result = call(id, operand, key)
            if let expected {
                #expect(LibraryCall.same(payload(result) ?? .null, expected), "\(id)(\(operand), \(key)) = \(result)")
            } else {
                #expect(isNone(result), "\(id)(\(operand), \(key)) = \(result)")
            }
        }
        #expect(call("list_optindex_optional_int", list, .double(0.5)).isError)
        #expect(call("list_optindex_optional_int", list, .string("0")).isError)
        #expect(call("map_optindex_optional_value", m, .list([])).isError)
        #expect(call("map_optindex_optional_value", .int(1), .int(1)).isError)
    }

    @Test func endToEnd() {
        LibraryCall.expectEndToEnd(true: [
            "optional.of(null).hasValue()",
            "!optional.ofNonZeroValue(null).hasValue()",
            "optional.none().or(optional.none()).orValue(42) == 42",
            "{'null_key': dyn(null)}.?null_key.hasValue()",
            "!{}.?x.hasValue()",
            "{'c': {'dashed-index': 'goodbye'}}.c[?'dashed-index'].orValue('default value') == 'goodbye'",
            "{'c': {}}.c[?'missing-index'].orValue('default value') == 'default value'",
            "optional.of({'c': {}}).c['missing'].orValue('default value') == 'default value'",
            "optional.of({'c': {}}).c.missing.or(optional.of(['list-value'])[0]).orValue('default value') == 'list-value'",
            "!optional.none()[?0].hasValue()",
            "optional.of(['foo'])[?0].value() == 'foo'",
            "{1u: 1.0, 2: 2.0, 3u: 3.0}[?3.0].value() == 3.0",
            "optional.of(1).orValue(1 / 0) == 1",
            "optional.of(42).optMap(y, y + 1).value() == 43",
            "optional.unwrap([optional.of(1), optional.none(), optional.of(3)]) == [1, 3]",
            "[optional.of('a'), optional.none()].unwrapOpt() == ['a']",
        ], errors: [
            "optional.none().value()",
            "optional.none().orValue(1 / 0)",
        ])
    }
}
