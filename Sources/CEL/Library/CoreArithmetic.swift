/// `+ - * / %` and unary `-` for int, uint and double; concatenation of strings, bytes
/// and lists (bounded by the limits). Integer overflow and division by zero are errors.
enum CoreArithmetic {
    static func declarations(limits: Limits) -> [FunctionDecl] {
        let maxBytes = limits.maxStringBytes
        let maxItems = limits.maxCollectionSize
        return [
            FunctionDecl(name: Operators.add, overloads: [
                Core.binary("add_int64", .int, .int, .int, addInt),
                Core.binary("add_uint64", .uint, .uint, .uint, addUInt),
                Core.binary("add_double", .double, .double, .double) { a, b in
                    guard case .double(let x) = a, case .double(let y) = b else { return Core.noOverload("_+_", a, b) }
                    return .double(x + y)
                },
                Core.binary("add_string", .string, .string, .string) { a, b in
                    guard case .string(let x) = a, case .string(let y) = b else { return Core.noOverload("_+_", a, b) }
                    if x.utf8.count + y.utf8.count > maxBytes { return Core.limitExceeded("string size", maxBytes, "maxStringBytes") }
                    return .string(x + y)
                },
                Core.binary("add_bytes", .bytes, .bytes, .bytes) { a, b in
                    guard case .bytes(let x) = a, case .bytes(let y) = b else { return Core.noOverload("_+_", a, b) }
                    if x.count + y.count > maxBytes { return Core.limitExceeded("bytes size", maxBytes, "maxStringBytes") }
                    return .bytes(x + y)
                },
                Core.binary("add_list", .list(Core.a), .list(Core.a), .list(Core.a)) { a, b in
                    guard case .list(let x) = a, case .list(let y) = b else { return Core.noOverload("_+_", a, b) }
                    if x.count + y.count > maxItems { return Core.limitExceeded("list size", maxItems, "maxCollectionSize") }
                    if x.isEmpty { return b }
                    if y.isEmpty { return a }
                    return .list(x + y)
                },
            ]),
            FunctionDecl(name: Operators.subtract, overloads: [
                Core.binary("subtract_int64", .int, .int, .int, subtractInt),
                Core.binary("subtract_uint64", .uint, .uint, .uint, subtractUInt),
                Core.binary("subtract_double", .double, .double, .double) { a, b in
                    guard case .double(let x) = a, case .double(let y) = b else { return Core.noOverload("_-_", a, b) }
                    return .double(x - y)
                },
            ]),
            FunctionDecl(name: Operators.multiply, overloads: [
                Core.binary("multiply_int64", .int, .int, .int, multiplyInt),
                Core.binary("multiply_uint64", .uint, .uint, .uint) { a, b in
                    guard case .uint(let x) = a, case .uint(let y) = b else { return Core.noOverload("_*_", a, b) }
                    let (r, o) = x.multipliedReportingOverflow(by: y)
                    return o ? .overflow : .uint(r)
                },
                Core.binary("multiply_double", .double, .double, .double) { a, b in
                    guard case .double(let x) = a, case .double(let y) = b else { return Core.noOverload("_*_", a, b) }
                    return .double(x * y)
                },
            ]),
            FunctionDecl(name: Operators.divide, overloads: [
                Core.binary("divide_int64", .int, .int, .int, divideInt),
                Core.binary("divide_uint64", .uint, .uint, .uint) { a, b in
                    guard case .uint(let x) = a, case .uint(let y) = b else { return Core.noOverload("_/_", a, b) }
                    return y == 0 ? .error(.divisionByZero) : .uint(x / y)
                },
                Core.binary("divide_double", .double, .double, .double) { a, b in
                    guard case .double(let x) = a, case .double(let y) = b else { return Core.noOverload("_/_", a, b) }
                    return .double(x / y)
                },
            ]),
            FunctionDecl(name: Operators.modulo, overloads: [
                Core.binary("modulo_int64", .int, .int, .int, moduloInt),
                Core.binary("modulo_uint64", .uint, .uint, .uint) { a, b in
                    guard case .uint(let x) = a, case .uint(let y) = b else { return Core.noOverload("_%_", a, b) }
                    return y == 0 ? .error(.modulusByZero) : .uint(x % y)
                },
            ]),
            FunctionDecl(name: Operators.negate, overloads: [
                Core.unary("negate_int64", .int, .int) { a in
                    guard case .int(let x) = a else { return Core.noOverload("-_", a) }
                    return x == .min ? .overflow : .int(-x)
                },
                Core.unary("negate_double", .double, .double) { a in
                    guard case .double(let x) = a else { return Core.noOverload("-_", a) }
                    return .double(-x)
                },
            ]),
        ]
    }

    // The integer operations are named so that the planner's fast paths can call them directly.

    /// `int + int`, overflow-checked.
    @Sendable static func addInt(_ a: Value, _ b: Value) -> Value {
        guard case .int(let x) = a, case .int(let y) = b else { return Core.noOverload("_+_", a, b) }
        let (r, o) = x.addingReportingOverflow(y)
        return o ? .overflow : .int(r)
    }

    /// `uint + uint`, overflow-checked.
    @Sendable static func addUInt(_ a: Value, _ b: Value) -> Value {
        guard case .uint(let x) = a, case .uint(let y) = b else { return Core.noOverload("_+_", a, b) }
        let (r, o) = x.addingReportingOverflow(y)
        return o ? .overflow : .uint(r)
    }

    /// `int - int`, overflow-checked.
    @Sendable static func subtractInt(_ a: Value, _ b: Value) -> Value {
        guard case .int(let x) = a, case .int(let y) = b else { return Core.noOverload("_-_", a, b) }
        let (r, o) = x.subtractingReportingOverflow(y)
        return o ? .overflow : .int(r)
    }

    /// `uint - uint`; going below zero is an overflow error.
    @Sendable static func subtractUInt(_ a: Value, _ b: Value) -> Value {
        guard case .uint(let x) = a, case .uint(let y) = b else { return Core.noOverload("_-_", a, b) }
        let (r, o) = x.subtractingReportingOverflow(y)
        return o ? .overflow : .uint(r)
    }

    /// `int * int`, overflow-checked.
    @Sendable static func multiplyInt(_ a: Value, _ b: Value) -> Value {
        guard case .int(let x) = a, case .int(let y) = b else { return Core.noOverload("_*_", a, b) }
        let (r, o) = x.multipliedReportingOverflow(by: y)
        return o ? .overflow : .int(r)
    }

    /// `int / int`: truncating; zero divisor and `int64 min / -1` are errors.
    @Sendable static func divideInt(_ a: Value, _ b: Value) -> Value {
        guard case .int(let x) = a, case .int(let y) = b else { return Core.noOverload("_/_", a, b) }
        if y == 0 { return .error(.divisionByZero) }
        let (r, o) = x.dividedReportingOverflow(by: y)
        return o ? .overflow : .int(r)
    }

    /// `int % int`: the sign follows the dividend; zero divisor and `int64 min % -1` are errors.
    @Sendable static func moduloInt(_ a: Value, _ b: Value) -> Value {
        guard case .int(let x) = a, case .int(let y) = b else { return Core.noOverload("_%_", a, b) }
        if y == 0 { return .error(.modulusByZero) }
        let (r, o) = x.remainderReportingOverflow(dividingBy: y)
        return o ? .overflow : .int(r)
    }
}
