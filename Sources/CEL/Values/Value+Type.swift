extension Value {
    /// The value of `type(x)`: `int`, `list`, `map`, `null_type`, `type`, ... Collections
    /// report `dyn` parameters, because runtime type values compare by name only.
    public var runtimeType: CELType {
        switch self {
        case .null: return .null
        case .bool: return .bool
        case .int: return .int
        case .uint: return .uint
        case .double: return .double
        case .string: return .string
        case .bytes: return .bytes
        case .list: return .list(.dyn)
        case .map: return .map(.dyn, .dyn)
        case .type: return .type(.dyn)
        case .timestamp: return .timestamp
        case .duration: return .duration
        case .optional: return .optional(.dyn)
        case .ip: return .ip
        case .cidr: return .cidr
        case .error: return .error
        }
    }

    /// Whether the value is an evaluation error.
    @inlinable
    public var isError: Bool {
        if case .error = self { return true }
        return false
    }

    /// The error payload, when the value is an error.
    @inlinable
    public var errorValue: CELError? {
        if case .error(let e) = self { return e }
        return nil
    }

    /// Whether the value conforms to `type` at run time. Type parameters and `dyn`
    /// accept anything; `list(int)` accepts any list (elements are not inspected),
    /// `map(K, V)` any map, `optional_type(T)` any optional, `type(T)` any type value.
    /// Used to pick an overload when the checker could only say `dyn`.
    public func conforms(to type: CELType) -> Bool {
        switch (type, self) {
        case (.dyn, _), (.typeParam, _): return true
        case (.null, .null), (.bool, .bool), (.int, .int), (.uint, .uint), (.double, .double),
             (.string, .string), (.bytes, .bytes), (.timestamp, .timestamp),
             (.duration, .duration), (.list, .list), (.map, .map), (.optional, .optional),
             (.type, .type), (.error, .error):
            return true
        case (.opaque(let name, _), .ip): return name == CELType.ipName
        case (.opaque(let name, _), .cidr): return name == CELType.cidrName
        default: return false
        }
    }
}
