import CEL

/// Host declarations for checking modules where the host's Swift code is not present:
/// `hotload check --host FILE` and `hotload push --host FILE` type-check calls to host
/// functions against signatures read from JSON, while nodes link the same modules with
/// the real implementations.
///
/// ```json
/// {
///   "functions": [
///     {"name": "round2", "overloads": [{"params": ["double"], "result": "double"}]},
///     {"name": "slugify", "overloads": [{"params": ["string"], "result": "string", "receiver": true}]}
///   ],
///   "constants": {"region": "eu", "max_items": 100}
/// }
/// ```
/// Type names are CEL's (`int`, `list(string)`, `map(string, dyn)`, ...). Functions
/// declared this way only check: calling one yields an error value.
extension HostEnvironment {
    public init(declarationsJSON json: [UInt8], file: String = "host declarations") throws(HostDeclarationsError) {
        func fail(_ message: String) -> HostDeclarationsError { HostDeclarationsError(file: file, message: message) }
        let root: Value
        do { root = try Value(json: json) } catch { throw fail("not valid JSON: \(error)") }
        guard case .map(let top) = root else { throw fail("expected a JSON object") }
        for key in top.keys {
            guard case .string(let name) = key, name == "functions" || name == "constants" else {
                throw fail("unknown key \(key); expected \"functions\" and \"constants\"")
            }
        }
        var functions: [FunctionDecl] = []
        if let list = top[string: "functions"] {
            guard case .list(let entries) = list else { throw fail("\"functions\" must be a list") }
            for (i, entry) in entries.enumerated() {
                guard case .map(let fn) = entry, case .string(let name)? = fn[string: "name"], !name.isEmpty else {
                    throw fail("functions[\(i)] needs a \"name\"")
                }
                guard case .list(let overloadValues)? = fn[string: "overloads"], !overloadValues.isEmpty else {
                    throw fail("function '\(name)' needs a non-empty \"overloads\" list")
                }
                var overloads: [Overload] = []
                for (j, value) in overloadValues.enumerated() {
                    let place = "function '\(name)' overloads[\(j)]"
                    guard case .map(let o) = value, case .list(let params)? = o[string: "params"] else {
                        throw fail("\(place) needs \"params\": a list of type names")
                    }
                    let paramTypes = try params.map { p throws(HostDeclarationsError) -> CELType in
                        guard case .string(let t) = p, let type = CELType(parsing: t) else {
                            throw fail("\(place): bad parameter type \(p)")
                        }
                        return type
                    }
                    var result = CELType.dyn
                    if let r = o[string: "result"] {
                        guard case .string(let t) = r, let type = CELType(parsing: t) else {
                            throw fail("\(place): bad result type \(r)")
                        }
                        result = type
                    }
                    var receiver = false
                    if let r = o[string: "receiver"] {
                        guard case .bool(let b) = r else { throw fail("\(place): \"receiver\" is true or false") }
                        receiver = b
                    }
                    let message = "host function '\(name)' is only declared here (for checking); nodes provide it"
                    overloads.append(Overload(id: "host_\(name)_\(j)", isInstance: receiver, params: paramTypes,
                                              result: result, implementation: .variadic { _ in .error(CELError(message)) }))
                }
                functions.append(FunctionDecl(name: name, overloads: overloads))
            }
        }
        var constants: [String: Value] = [:]
        if let map = top[string: "constants"] {
            guard case .map(let entries) = map else { throw fail("\"constants\" must be an object") }
            for (key, value) in zip(entries.keys, entries.values) {
                guard case .string(let name) = key else { continue }
                constants[name] = value
            }
        }
        self.init(functions: functions, constants: constants)
    }
}

/// A host declarations file that cannot be used, with the reason.
public struct HostDeclarationsError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var message: String
    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }
    public var description: String { "\(file): \(message)" }
}
