/// Everything the checker and the planner may resolve names against: variables,
/// compile-time constants, library and host functions, and compiled (module) functions.
struct Declarations: Sendable {
    /// The container (namespace) that unqualified names are resolved in, e.g. `com.example`.
    var container: String = ""
    var variables: [String: CELType] = [:]
    var constants: [String: Value] = [:]
    var functions: [String: FunctionDecl] = [:]
    var compiled: [String: CompiledFunction] = [:]
    /// Functions whose overloads are pure and may be folded when all arguments are constant.
    var pureFunctions: Set<String> = []

    /// The names an unqualified or partly qualified `name` may refer to, most specific first
    /// (the specification's "Name Resolution"): in container `a.b`, `x` may be `a.b.x`,
    /// `a.x` or `x`. A leading dot (`.x`) names the root namespace only.
    func candidates(_ name: String) -> [String] {
        if name.hasPrefix(".") { return [String(name.dropFirst())] }
        guard !container.isEmpty else { return [name] }
        var result: [String] = []
        var prefix = Substring(container)
        while true {
            result.append(prefix + "." + name)
            guard let dot = prefix.lastIndex(of: ".") else { break }
            prefix = prefix[..<dot]
        }
        result.append(name)
        return result
    }

    /// Whether a function of this (fully qualified) name exists.
    func hasFunction(_ name: String) -> Bool {
        functions[name] != nil || compiled[name] != nil
    }
}
