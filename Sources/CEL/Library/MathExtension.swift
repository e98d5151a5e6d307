/// The math extension (cel-go `ext/math.go`): `math.greatest` / `math.least`,
/// rounding, `abs`, `sign`, the IEEE predicates, bit operations and `sqrt`.
///
/// cel-go implements `greatest`/`least` as macros over any number of arguments; here
/// they are ordinary functions with overloads for one list argument and for 1 to
/// ``maxVariadicArity`` numeric arguments. Mixed int/uint/double arguments compare
/// numerically and the winning argument is returned unchanged.
public enum MathExtension {
    /// Most arguments `math.greatest(a, b, ...)` / `math.least(...)` accept.
    public static let maxVariadicArity = 32

    public static func declarations(limits: Limits) -> [FunctionDecl] {
        [extremum("math.greatest", cel: "max", wantGreater: true),
         extremum("math.least", cel: "min", wantGreater: false)]
            + rounding() + signs() + predicates() + bits()
    }

    // MARK: - greatest / least

    private static let numeric: [(String, CELType)] = [("int", .int), ("uint", .uint), ("double", .double)]

    private static func extremum(_ name: String, cel: String, wantGreater: Bool) -> FunctionDecl {
        let pick: @Sendable ([Value]) -> Value = { args in pickExtremum(name, args, wantGreater: wantGreater) }
        let prefix = "math_@\(cel)"
        var overloads: [Overload] = []
        for (suffix, t) in numeric {
            overloads.append(Overload(id: "\(prefix)_\(suffix)", params: [t], result: t, implementation: .unary { pick([$0]) }))
        }
        for (s1, t1) in numeric {
            for (s2, t2) in numeric {
                overloads.append(Overload(id: "\(prefix)_\(s1)_\(s2)", params: [t1, t2], result: t1 == t2 ? t1 : .dyn,
                                          implementation: .binary { pick([$0, $1]) }))
            }
        }
        for (suffix, t) in numeric {
            overloads.append(Overload(id: "\(prefix)_list_\(suffix)", params: [.list(t)], result: t,
                                      implementation: .unary { listExtremum(name, $0, pick) }))
        }
        overloads.append(Overload(id: "\(prefix)_list_dyn", params: [.list(.dyn)], result: .dyn,
                                  implementation: .unary { listExtremum(name, $0, pick) }))
        for arity in 3...maxVariadicArity {
            for (suffix, t) in numeric {
                overloads.append(Overload(id: "\(prefix)_\(suffix)_\(arity)", params: Array(repeating: t, count: arity),
                                          result: t, implementation: .variadic(pick)))
            }
            overloads.append(Overload(id: "\(prefix)_dyn_\(arity)", params: Array(repeating: .dyn, count: arity),
                                      result: .dyn, implementation: .variadic(pick)))
        }
        return FunctionDecl(name: name, overloads: overloads)
    }

    private static func listExtremum(_ name: String, _ list: Value, _ pick: @Sendable ([Value]) -> Value) -> Value {
        guard case .list(let items) = list else { return noOverload(name, [list]) }
        guard !items.isEmpty else { return .error(CELError("\(name)(list) argument must not be empty")) }
        return pick(items)
    }

    /// The numerically greatest (or least) argument, returned as given; ties keep the first.
    public static func pickExtremum(_ name: String, _ args: [Value], wantGreater: Bool) -> Value {
        guard var best = args.first else { return .error(CELError("\(name) needs at least one argument")) }
        for v in args {
            switch v {
            case .int, .uint, .double: break
            case .error: return v
            default: return noOverload(name, [v])
            }
        }
        for v in args.dropFirst() {
            guard let order = v.compare(best) else { return noOverload(name, [v]) }
            if (wantGreater && order == .greater) || (!wantGreater && order == .less) { best = v }
        }
        return best
    }

    // MARK: - Rounding and signs

    private static func doubleFunction(_ name: String, _ id: String, _ f: @escaping @Sendable (Double) -> Double) -> FunctionDecl {
        FunctionDecl(name: name, overloads: [
            Overload(id: id, params: [.double], result: .double, implementation: .unary { v in
                guard case .double(let d) = v else { return noOverload(name, [v]) }
                return .double(f(d))
            }),
        ])
    }

    private static func rounding() -> [FunctionDecl] {
        [
            doubleFunction("math.ceil", "math_ceil_double") { $0.rounded(.up) },
            doubleFunction("math.floor", "math_floor_double") { $0.rounded(.down) },
            doubleFunction("math.round", "math_round_double") { $0.rounded(.toNearestOrAwayFromZero) },
            doubleFunction("math.trunc", "math_trunc_double") { $0.rounded(.towardZero) },
            FunctionDecl(name: "math.sqrt", overloads: [
                Overload(id: "math_sqrt_double", params: [.double], result: .double, implementation: .unary(sqrt)),
                Overload(id: "math_sqrt_int", params: [.int], result: .double, implementation: .unary(sqrt)),
                Overload(id: "math_sqrt_uint", params: [.uint], result: .double, implementation: .unary(sqrt)),
            ]),
        ]
    }

    @Sendable private static func sqrt(_ v: Value) -> Value {
        switch v {
        case .double(let d): return .double(d.squareRoot())
        case .int(let n): return .double(Double(n).squareRoot())
        case .uint(let n): return .double(Double(n).squareRoot())
        default: return noOverload("math.sqrt", [v])
        }
    }

    private static func signs() -> [FunctionDecl] {
        [
            FunctionDecl(name: "math.abs", overloads: [
                Overload(id: "math_abs_int", params: [.int], result: .int, implementation: .unary { v in
                    guard case .int(let n) = v else { return noOverload("math.abs", [v]) }
                    if n == Int64.min { return .overflow }
                    return .int(n < 0 ? -n : n)
                }),
                Overload(id: "math_abs_uint", params: [.uint], result: .uint, implementation: .unary { v in
                    guard case .uint = v else { return noOverload("math.abs", [v]) }
                    return v
                }),
                Overload(id: "math_abs_double", params: [.double], result: .double, implementation: .unary { v in
                    guard case .double(let d) = v else { return noOverload("math.abs", [v]) }
                    return .double(d.magnitude)
                }),
            ]),
            FunctionDecl(name: "math.sign", overloads: [
                Overload(id: "math_sign_int", params: [.int], result: .int, implementation: .unary { v in
                    guard case .int(let n) = v else { return noOverload("math.sign", [v]) }
                    return .int(n.signum())
                }),
                Overload(id: "math_sign_uint", params: [.uint], result: .uint, implementation: .unary { v in
                    guard case .uint(let n) = v else { return noOverload("math.sign", [v]) }
                    return .uint(n == 0 ? 0 : 1)
                }),
                Overload(id: "math_sign_double", params: [.double], result: .double, implementation: .unary { v in
                    guard case .double(let d) = v else { return noOverload("math.sign", [v]) }
                    return .double(d > 0 ? 1 : d < 0 ? -1 : d)  // keeps 0.0, -0.0 and NaN
                }),
            ]),
        ]
    }

    private static func predicates() -> [FunctionDecl] {
        let tests: [(String, String, @Sendable (Double) -> Bool)] = [
            ("math.isInf", "math_isInf_double", { $0.isInfinite }),
            ("math.isNaN", "math_isNaN_double", { $0.isNaN }),
            ("math.isFinite", "math_isFinite_double", { $0.isFinite }),
        ]
        return tests.map { name, id, test in
            FunctionDecl(name: name, overloads: [
                Overload(id: id, params: [.double], result: .bool, implementation: .unary { v in
                    guard case .double(let d) = v else { return noOverload(name, [v]) }
                    return .bool(test(d))
                }),
            ])
        }
    }

    // MARK: - Bits

    private static func bits() -> [FunctionDecl] {
        let binaryOps: [(String, String, @Sendable (UInt64, UInt64) -> UInt64)] = [
            ("math.bitAnd", "math_bitAnd", { $0 & $1 }),
            ("math.bitOr", "math_bitOr", { $0 | $1 }),
            ("math.bitXor", "math_bitXor", { $0 ^ $1 }),
        ]
        var decls = binaryOps.map { name, prefix, op in
            FunctionDecl(name: name, overloads: [
                Overload(id: "\(prefix)_int_int", params: [.int, .int], result: .int, implementation: .binary { a, b in
                    guard case .int(let x) = a, case .int(let y) = b else { return noOverload(name, [a, b]) }
                    return .int(Int64(bitPattern: op(UInt64(bitPattern: x), UInt64(bitPattern: y))))
                }),
                Overload(id: "\(prefix)_uint_uint", params: [.uint, .uint], result: .uint, implementation: .binary { a, b in
                    guard case .uint(let x) = a, case .uint(let y) = b else { return noOverload(name, [a, b]) }
                    return .uint(op(x, y))
                }),
            ])
        }
        decls.append(FunctionDecl(name: "math.bitNot", overloads: [
            Overload(id: "math_bitNot_int_int", params: [.int], result: .int, implementation: .unary { v in
                guard case .int(let x) = v else { return noOverload("math.bitNot", [v]) }
                return .int(~x)
            }),
            Overload(id: "math_bitNot_uint_uint", params: [.uint], result: .uint, implementation: .unary { v in
                guard case .uint(let x) = v else { return noOverload("math.bitNot", [v]) }
                return .uint(~x)
            }),
        ]))
        // Shifts are logical for both int and uint (as cel-go); 64 or more gives 0.
        let shifts: [(String, String, Bool)] = [
            ("math.bitShiftLeft", "math_bitShiftLeft", true),
            ("math.bitShiftRight", "math_bitShiftRight", false),
        ]
        for (name, prefix, left) in shifts {
            let shift: @Sendable (UInt64, Int64) -> UInt64 = { x, n in
                n >= 64 ? 0 : left ? x << UInt64(n) : x >> UInt64(n)
            }
            decls.append(FunctionDecl(name: name, overloads: [
                Overload(id: "\(prefix)_int_int", params: [.int, .int], result: .int, implementation: .binary { a, b in
                    guard case .int(let x) = a, case .int(let n) = b else { return noOverload(name, [a, b]) }
                    guard n >= 0 else { return negativeShift(name, n) }
                    return .int(Int64(bitPattern: shift(UInt64(bitPattern: x), n)))
                }),
                Overload(id: "\(prefix)_uint_int", params: [.uint, .int], result: .uint, implementation: .binary { a, b in
                    guard case .uint(let x) = a, case .int(let n) = b else { return noOverload(name, [a, b]) }
                    guard n >= 0 else { return negativeShift(name, n) }
                    return .uint(shift(x, n))
                }),
            ]))
        }
        return decls
    }

    private static func negativeShift(_ name: String, _ n: Int64) -> Value {
        .error(CELError("\(name)() negative offset: \(n)"))
    }

    private static func noOverload(_ function: String, _ args: [Value]) -> Value {
        if let e = args.first(where: \.isError) { return e }
        let types = args.map { $0.runtimeType.runtimeName }.joined(separator: ", ")
        return .error(CELError("no such overload: \(function)(\(types))"))
    }
}
