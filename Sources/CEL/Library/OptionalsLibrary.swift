/// Optional values (cel-go's optional types): `optional.of`, `optional.ofNonZeroValue`,
/// `optional.none`, `hasValue`, `value`, `or`, `orValue`, optional selection `a.?f`
/// (`_?._`) and optional indexing `a[?k]` (`_[?_]`), plus `_[_]` on optional lists and
/// maps, and `optional.unwrap(list)` / `list.unwrapOpt()`. An optional operand chains:
/// `none` stays `none`, `of(x)` applies to `x`.
/// The `optMap` / `optFlatMap` macros are expanded by the parser; optional fields in
/// literals (`{?k: v}`, `[?x]`) and equality of optionals are handled by the engine
/// and the core library.
public enum OptionalsLibrary {
    private static let a = CELType.typeParam("A")
    private static let k = CELType.typeParam("K")
    private static let v = CELType.typeParam("V")

    public static func declarations(limits: Limits) -> [FunctionDecl] {
        [
            FunctionDecl(name: "optional.of", overloads: [
                Overload(id: "optional_of", params: [a], result: .optional(a), implementation: .unary { x in
                    .optional(OptionalValue(x))
                }),
            ]),
            FunctionDecl(name: "optional.ofNonZeroValue", overloads: [
                Overload(id: "optional_ofNonZeroValue", params: [a], result: .optional(a), implementation: .unary { x in
                    .optional(isZero(x) ? .none : OptionalValue(x))
                }),
            ]),
            FunctionDecl(name: "optional.none", overloads: [
                Overload(id: "optional_none", params: [], result: .optional(a), implementation: .variadic { _ in
                    .optional(.none)
                }),
            ]),
            FunctionDecl(name: "hasValue", overloads: [
                Overload(id: "optional_hasValue", isInstance: true, params: [.optional(a)], result: .bool,
                         implementation: .unary { o in
                             guard case .optional(let opt) = o else { return noOverload("hasValue", [o]) }
                             return .bool(opt.value != nil)
                         }),
            ]),
            FunctionDecl(name: "value", overloads: [
                Overload(id: "optional_value", isInstance: true, params: [.optional(a)], result: a,
                         implementation: .unary { o in
                             guard case .optional(let opt) = o else { return noOverload("value", [o]) }
                             return opt.value ?? .error(CELError("optional.none() dereference"))
                         }),
            ]),
            FunctionDecl(name: "or", overloads: [
                Overload(id: "optional_or_optional", isInstance: true, params: [.optional(a), .optional(a)],
                         result: .optional(a), isStrict: false, implementation: .binary(or)),
            ]),
            FunctionDecl(name: "orValue", overloads: [
                Overload(id: "optional_orValue_value", isInstance: true, params: [.optional(a), a], result: a,
                         isStrict: false, implementation: .binary(orValue)),
            ]),
            FunctionDecl(name: "optional.unwrap", overloads: [
                Overload(id: "optional_unwrap", params: [.list(.optional(v))], result: .list(v),
                         implementation: .unary { unwrap("optional.unwrap", $0) }),
            ]),
            FunctionDecl(name: "unwrapOpt", overloads: [
                Overload(id: "optional_unwrapOpt", isInstance: true, params: [.list(.optional(v))], result: .list(v),
                         implementation: .unary { unwrap("unwrapOpt", $0) }),
            ]),
            FunctionDecl(name: Operators.optionalSelect, overloads: [
                Overload(id: "select_optional_field", params: [.map(.string, v), .string], result: .optional(v),
                         implementation: .binary(select)),
                Overload(id: "optional_select_optional_field", params: [.optional(.map(.string, v)), .string],
                         result: .optional(v), implementation: .binary(select)),
                Overload(id: "dyn_select_optional_field", params: [.dyn, .string], result: .optional(.dyn),
                         implementation: .binary(select)),
            ]),
            FunctionDecl(name: Operators.optionalIndex, overloads: [
                Overload(id: "list_optindex_optional_int", params: [.list(v), .int], result: .optional(v),
                         implementation: .binary(index)),
                Overload(id: "optional_list_optindex_optional_int", params: [.optional(.list(v)), .int],
                         result: .optional(v), implementation: .binary(index)),
                Overload(id: "map_optindex_optional_value", params: [.map(k, v), k], result: .optional(v),
                         implementation: .binary(index)),
                Overload(id: "optional_map_optindex_optional_value", params: [.optional(.map(k, v)), k],
                         result: .optional(v), implementation: .binary(index)),
            ]),
            FunctionDecl(name: Operators.index, overloads: [
                Overload(id: "optional_list_index_int", params: [.optional(.list(v)), .int], result: .optional(v),
                         implementation: .binary(index)),
                Overload(id: "optional_map_index_value", params: [.optional(.map(k, v)), k], result: .optional(v),
                         implementation: .binary(index)),
            ]),
        ]
    }

    /// cel-go's zero values: null, false, 0, 0u, 0.0, "", b"", [], {}, 0s and the epoch.
    public static func isZero(_ x: Value) -> Bool {
        switch x {
        case .null: return true
        case .bool(let b): return !b
        case .int(let n): return n == 0
        case .uint(let n): return n == 0
        case .double(let d): return d == 0
        case .string(let s): return s.isEmpty
        case .bytes(let b): return b.isEmpty
        case .list(let l): return l.isEmpty
        case .map(let m): return m.count == 0
        case .duration(let d): return d.seconds == 0 && d.nanos == 0
        case .timestamp(let t): return t.seconds == 0 && t.nanos == 0
        case .type, .optional, .ip, .cidr, .error: return false
        }
    }

    /// `opt.or(other)`: `opt` if it has a value, else `other`. Non-strict: `other` is
    /// not looked at (even if it is an error) when `opt` has a value.
    @Sendable public static func or(_ opt: Value, _ other: Value) -> Value {
        guard case .optional(let o) = opt else { return noOverload("or", [opt, other]) }
        if o.value != nil { return opt }
        if case .optional = other { return other }
        return noOverload("or", [opt, other])
    }

    /// `opt.orValue(x)`: the value of `opt`, else `x` (non-strict in `x`, like `or`).
    @Sendable public static func orValue(_ opt: Value, _ fallback: Value) -> Value {
        guard case .optional(let o) = opt else { return noOverload("orValue", [opt, fallback]) }
        return o.value ?? fallback
    }

    /// `optional.unwrap(list)` / `list.unwrapOpt()`: the values of the optionals that have
    /// one, in order; an element that is not an optional is an error.
    public static func unwrap(_ function: String, _ list: Value) -> Value {
        guard case .list(let items) = list else { return noOverload(function, [list]) }
        var out: [Value] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard case .optional(let o) = item else {
                if item.isError { return item }
                return .error(CELError("\(function): list element is \(item.runtimeType.runtimeName), not an optional"))
            }
            if let value = o.value { out.append(value) }
        }
        return .list(out)
    }

    /// `operand.?field`: an optional of the map entry, `none` when absent.
    @Sendable public static func select(_ operand: Value, _ field: Value) -> Value {
        guard case .string(let name) = field else { return noOverload(Operators.optionalSelect, [operand, field]) }
        switch operand {
        case .map(let m):
            return .optional(OptionalValue(m[string: name]))
        case .optional(let o):
            guard let inner = o.value else { return operand }
            return select(inner, field)
        default:
            return noOverload(Operators.optionalSelect, [operand, field])
        }
    }

    /// `operand[?key]` (and `opt[key]`): an optional of the list element or map entry,
    /// `none` when absent or out of range.
    @Sendable public static func index(_ operand: Value, _ key: Value) -> Value {
        switch operand {
        case .optional(let o):
            guard let inner = o.value else { return operand }
            return index(inner, key)
        case .map(let m):
            if key.isError { return key }
            guard CELMap.key(for: key) != nil || isNumber(key) else {
                return .error(CELError("unsupported map key type: \(key.runtimeType.runtimeName)"))
            }
            return .optional(OptionalValue(m[key]))
        case .list(let items):
            let i: Int64
            switch key {
            case .int(let n): i = n
            case .uint(let n): i = n > UInt64(Int64.max) ? -1 : Int64(n)
            case .double(let d):
                guard d.isFinite, d.rounded(.towardZero) == d else {
                    return .error(CELError("unsupported index value: \(d)"))
                }
                i = d >= -9.2e18 && d <= 9.2e18 ? Int64(d) : -1
            case .error: return key
            default: return noOverload(Operators.optionalIndex, [operand, key])
            }
            guard i >= 0, i < Int64(items.count) else { return .optional(.none) }
            return .optional(OptionalValue(items[Int(i)]))
        default:
            return noOverload(Operators.optionalIndex, [operand, key])
        }
    }

    private static func isNumber(_ v: Value) -> Bool {
        switch v {
        case .int, .uint, .double: return true
        default: return false
        }
    }

    private static func noOverload(_ function: String, _ args: [Value]) -> Value {
        if let e = args.first(where: \.isError) { return e }
        let types = args.map { $0.runtimeType.runtimeName }.joined(separator: ", ")
        return .error(CELError("no such overload: \(function)(\(types))"))
    }
}
