extension CELType: CustomStringConvertible {
    /// The name of the type as a runtime type value prints it: `list`, `map`, `null_type`,
    /// `google.protobuf.Timestamp`. Parameters are dropped, because `type([1]) == type(['a'])`.
    public var runtimeName: String {
        switch self {
        case .dyn: return "dyn"
        case .null: return "null_type"
        case .bool: return "bool"
        case .int: return "int"
        case .uint: return "uint"
        case .double: return "double"
        case .string: return "string"
        case .bytes: return "bytes"
        case .timestamp: return "google.protobuf.Timestamp"
        case .duration: return "google.protobuf.Duration"
        case .list: return "list"
        case .map: return "map"
        case .optional: return "optional_type"
        case .type: return "type"
        case .typeParam(let name): return name
        case .error: return "error"
        case .opaque(let name, _): return name
        }
    }

    /// The full name for diagnostics: `list(int)`, `map(string, dyn)`, `optional_type(int)`.
    public var description: String {
        switch self {
        case .list(let e): return "list(\(e))"
        case .map(let k, let v): return "map(\(k), \(v))"
        case .optional(let t): return "optional_type(\(t))"
        case .type(let t): return t == .dyn ? "type" : "type(\(t))"
        case .opaque(let name, let params) where !params.isEmpty:
            return "\(name)(\(params.map(\.description).joined(separator: ", ")))"
        default: return runtimeName
        }
    }

    /// The type a runtime type value names, for the identifiers of the standard types
    /// (`int`, `list`, `null_type`, `google.protobuf.Timestamp`, `net.IP`, ...); nil for
    /// other names.
    public static func standardType(named name: String) -> CELType? {
        switch name {
        case "null_type": return .null
        case "bool": return .bool
        case "int": return .int
        case "uint": return .uint
        case "double": return .double
        case "string": return .string
        case "bytes": return .bytes
        case "list": return .list(.dyn)
        case "map": return .map(.dyn, .dyn)
        case "type": return .type(.dyn)
        case "optional_type": return .optional(.dyn)
        case "google.protobuf.Timestamp": return .timestamp
        case "google.protobuf.Duration": return .duration
        case CELType.ipName: return .ip
        case CELType.cidrName: return .cidr
        default: return nil
        }
    }
}
