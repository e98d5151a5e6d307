import Testing
@testable import CEL

@Suite("MathExtension")
struct MathExtensionTests {
    static let decls = MathExtension.declarations(limits: .default)
    func call(_ id: String, _ args: Value...) -> Value { LibraryCall.invoke(Self.decls, id, args) }

    /// Looks an overload up the way a dispatcher would: by name and runtime argument types.
    func dispatch(_ name: String, _ args: [Value]) -> Value {
        guard let decl = Self.decls.first(where: { $0.name == name }) else { return .error(CELError("no \(name)")) }
        for o in decl.overloads where o.params.count == args.count
            && zip(o.params, args).allSatisfy({ $1.conforms(to: $0) }) {
            return LibraryCall.invoke([FunctionDecl(name: name, overloads: [o])], o.id, args)
        }
        return .error(CELError("no such overload"))
    }

    static let extremumRows: [(String, [Value], Value)] = [
        ("math.greatest", [.int(-5)], .int(-5)),
        ("math.greatest", [.int(1), .int(1)], .int(1)),
        ("math.greatest", [.int(3), .int(-3)], .int(3)),
        ("math.greatest", [.int(Int64.max), .int(1)], .int(Int64.max)),
        ("math.greatest", [.int(Int64.min), .int(1)], .int(1)),
        ("math.greatest", [.int(5), .double(5.4), .uint(3), .double(-5.0), .int(Int64.max)], .int(Int64.max)),
        ("math.greatest", [.list([.double(5.4), .int(10), .uint(3), .double(-5.0), .double(3.5)])], .int(10)),
        ("math.greatest", [.double(1.797693e308), .int(1)], .double(1.797693e308)),
        ("math.greatest", [.uint(5), .int(-7)], .uint(5)),
        ("math.greatest", [.int(-3), .uint(3)], .uint(3)),
        ("math.greatest", [.uint(18_446_744_073_709_551_615), .uint(1)], .uint(18_446_744_073_709_551_615)),
        ("math.greatest", [.int(1), .double(1.0)], .int(1)),
        ("math.least", [.int(5), .int(-7)], .int(-7)),
        ("math.least", [.int(Int64.min), .int(1)], .int(Int64.min)),
        ("math.least", [.double(-1.797693e308), .double(1.5)], .double(-1.797693e308)),
        ("math.least", [.double(5.4), .int(10), .uint(3), .uint(1), .uint(18_446_744_073_709_551_615)], .uint(1)),
        ("math.least", [.list([.double(5.4), .double(10.5), .uint(3), .double(-5.0), .double(3.5)])], .double(-5.0)),
        ("math.least", [.uint(1), .double(1.0)], .uint(1)),
    ]

    @Test func greatestAndLeast() {
        for (name, args, expected) in Self.extremumRows {
            let result = dispatch(name, args)
            #expect(LibraryCall.same(result, expected), "\(name)\(args) = \(result)")
        }
    }

    @Test func greatestAndLeastErrors() {
        #expect(dispatch("math.greatest", [.list([])]).isError)
        #expect(dispatch("math.least", [.list([.int(1), .string("a")])]).isError)
        #expect(MathExtension.pickExtremum("math.greatest", [.int(1), .bool(true)], wantGreater: true).isError)
        #expect(MathExtension.pickExtremum("math.greatest", [], wantGreater: true).isError)
        let arities = Set(Self.decls.first { $0.name == "math.greatest" }?.overloads.map(\.params.count) ?? [])
        #expect(arities == Set(1...MathExtension.maxVariadicArity))
        let ids = Self.decls.flatMap { $0.overloads.map(\.id) }
        #expect(Set(ids).count == ids.count, "overload ids are unique")
    }

    static let rows: [(String, [Value], Value?)] = [
        ("math_ceil_double", [.double(-1.2)], .double(-1)), ("math_ceil_double", [.double(1.2)], .double(2)),
        ("math_ceil_double", [.int(1)], nil),
        ("math_floor_double", [.double(-1.2)], .double(-2)), ("math_floor_double", [.double(1.2)], .double(1)),
        ("math_round_double", [.double(-1.6)], .double(-2)), ("math_round_double", [.double(-1.4)], .double(-1)),
        ("math_round_double", [.double(-1.5)], .double(-2)), ("math_round_double", [.double(1.5)], .double(2)),
        ("math_round_double", [.double(.nan)], .double(.nan)),
        ("math_trunc_double", [.double(-1.2)], .double(-1)), ("math_trunc_double", [.double(1.2)], .double(1)),
        ("math_trunc_double", [.double(.nan)], .double(.nan)),
        ("math_abs_uint", [.uint(1)], .uint(1)), ("math_abs_int", [.int(-11)], .int(11)),
        ("math_abs_double", [.double(-11.5)], .double(11.5)), ("math_abs_int", [.int(Int64.min)], nil),
        ("math_sign_uint", [.uint(100)], .uint(1)), ("math_sign_uint", [.uint(0)], .uint(0)),
        ("math_sign_int", [.int(-11)], .int(-1)), ("math_sign_int", [.int(0)], .int(0)),
        ("math_sign_double", [.double(100.5)], .double(1)), ("math_sign_double", [.double(-32)], .double(-1)),
        ("math_sign_double", [.double(0)], .double(0)), ("math_sign_double", [.double(.nan)], .double(.nan)),
        ("math_sign_int", [.bool(true)], nil),
        ("math_isNaN_double", [.double(.nan)], .bool(true)), ("math_isNaN_double", [.double(.infinity)], .bool(false)),
        ("math_isInf_double", [.double(.infinity)], .bool(true)), ("math_isInf_double", [.double(.nan)], .bool(false)),
        ("math_isFinite_double", [.double(1 / 1.5)], .bool(true)),
        ("math_isFinite_double", [.double(-.infinity)], .bool(false)), ("math_isFinite_double", [.bool(true)], nil),
        ("math_bitAnd_int_int", [.int(1), .int(3)], .int(1)), ("math_bitAnd_int_int", [.int(1), .int(-1)], .int(1)),
        ("math_bitAnd_uint_uint", [.uint(1), .uint(2)], .uint(0)), ("math_bitAnd_uint_uint", [.uint(2), .string("")], nil),
        ("math_bitOr_int_int", [.int(4), .int(-2)], .int(-2)), ("math_bitOr_uint_uint", [.uint(1), .uint(4)], .uint(5)),
        ("math_bitXor_int_int", [.int(4), .int(-2)], .int(-6)), ("math_bitXor_uint_uint", [.uint(1), .uint(3)], .uint(2)),
        ("math_bitNot_int_int", [.int(1)], .int(-2)), ("math_bitNot_int_int", [.int(-1)], .int(0)),
        ("math_bitNot_uint_uint", [.uint(0)], .uint(18_446_744_073_709_551_615)),
        ("math_bitShiftLeft_int_int", [.int(1), .int(2)], .int(4)), ("math_bitShiftLeft_int_int", [.int(1), .int(200)], .int(0)),
        ("math_bitShiftLeft_int_int", [.int(-1), .int(200)], .int(0)),
        ("math_bitShiftLeft_int_int", [.int(1), .int(63)], .int(Int64.min)),
        ("math_bitShiftLeft_uint_int", [.uint(1), .int(2)], .uint(4)), ("math_bitShiftLeft_uint_int", [.uint(1), .int(-1)], nil),
        ("math_bitShiftRight_int_int", [.int(1024), .int(2)], .int(256)),
        ("math_bitShiftRight_int_int", [.int(1024), .int(64)], .int(0)),
        ("math_bitShiftRight_int_int", [.int(-1024), .int(3)], .int(2_305_843_009_213_693_824)),
        ("math_bitShiftRight_int_int", [.int(-1024), .int(64)], .int(0)),
        ("math_bitShiftRight_uint_int", [.uint(1024), .int(200)], .uint(0)),
        ("math_bitShiftRight_int_int", [.int(1), .int(Int64.min)], nil),
        ("math_sqrt_double", [.double(2.25)], .double(1.5)), ("math_sqrt_int", [.int(16)], .double(4)),
        ("math_sqrt_uint", [.uint(81)], .double(9)), ("math_sqrt_int", [.int(-1)], .double(.nan)),
    ]

    @Test func table() {
        for (id, args, expected) in Self.rows {
            let result = LibraryCall.invoke(Self.decls, id, args)
            if let expected {
                #expect(LibraryCall.same(result, expected), "\(id)\(args) = \(result)")
            } else {
                #expect(result.isError, "\(id)\(args) = \(result), want an error")
            }
        }
        #expect(call("math_bitShiftLeft_uint_int", .uint(1), .int(-1)).errorValue?.message.contains("negative offset") == true)
    }

    @Test func endToEnd() {
        LibraryCall.expectEndToEnd(true: [
            "math.greatest(-5) == -5",
            "math.greatest(1, 1.0) == 1",
            "math.greatest(5.4, 10, 3u, -5.0, 9223372036854775807) == 9223372036854775807",
            "math.greatest([5.4, 10, 3u, -5.0, 3.5]) == 10",
            "math.greatest([dyn(5.4), dyn(10u), dyn(3u), dyn(-5.0), dyn(3.5)]) == 10u",
            "math.least(1u, 1.0) == 1u",
            "math.least(-1.797693e308, -1, -5) == -1.797693e308",
            "math.ceil(1.2) == 2.0",
            "math.round(-1.5) == -2.0",
            "math.isNaN(math.trunc(0.0/0.0))",
            "math.abs(-11) == 11",
            "math.sign(-32.0) == -1.0",
            "math.isInf(1.0/0.0)",
            "math.bitXor(4, -2) == -6",
            "math.bitNot(1u) == 18446744073709551614u",
            "math.bitShiftRight(-1024, 3) == 2305843009213693824",
            "math.sqrt(16) == 4.0",
        ], errors: [
            "math.abs(-9223372036854775808)",
            "math.bitShiftLeft(1u, -1)",
            "math.ceil(dyn(1))",
            "math.greatest([])",
        ])
    }
}
