import CEL

/// A conformance corpus in the JSON format of `shared/conformance/README.md` (the
/// proto-free tests of google/cel-spec, converted to JSON), and the runner that checks the
/// engine against it. Used by the `hotload-conformance` tool and the test suite.
public struct ConformanceCorpus: Sendable {
    /// The file's name without directory and extension, such as `basic`.
    public var name: String
    public var tests: [ConformanceTest]

    /// Reads a corpus file's JSON text. `name` labels the results.
    public init(name: String, json: [UInt8]) throws(ConformanceError) {
        self.name = name
        let document: Value
        do {
            var limits = Limits.default
            limits.maxJSONDepth = 512
            document = try Value(json: json, limits: limits)
        } catch {
            throw ConformanceError("\(name): invalid JSON: \(error)")
        }
        guard case .map(let root) = document, case .list(let sections)? = root[string: "sections"] else {
            throw ConformanceError("\(name): expected an object with \"sections\"")
        }
        var tests: [ConformanceTest] = []
        for section in sections {
            guard case .map(let s) = section, case .list(let items)? = s[string: "tests"] else {
                throw ConformanceError("\(name): a section without \"tests\"")
            }
            let sectionName = s[string: "name"].flatMap(ConformanceCorpus.string) ?? ""
            for item in items {
                guard case .map(let t) = item else { throw ConformanceError("\(name): a test is not an object") }
                tests.append(try ConformanceTest(section: sectionName, t))
            }
        }
        self.tests = tests
    }

    static func string(_ v: Value) -> String? {
        if case .string(let s) = v { return s }
        return nil
    }

    /// Runs every test. With `strictErrors`, an expected `{"error": message}` passes only
    /// when the error's message contains that text (the extension corpora are written so).
    public func run(strictErrors: Bool = false) -> ConformanceResult {
        var result = ConformanceResult(name: name)
        for test in tests {
            switch test.run(strictErrors: strictErrors) {
            case .passed: result.passed += 1
            case .skipped: result.skipped += 1
            case .failed(let why):
                result.failed += 1
                result.failures.append(ConformanceFailure(test: "\(test.section)/\(test.name)", expr: test.expr, message: why))
            }
        }
        return result
    }
}

/// A problem reading a corpus file.
public struct ConformanceError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// The outcome of one corpus file.
public struct ConformanceResult: Sendable {
    public var name: String
    public var passed = 0
    public var failed = 0
    public var skipped = 0
    public var failures: [ConformanceFailure] = []
    /// `NAME: P passed, F failed, S skipped`.
    public var summary: String { "\(name): \(passed) passed, \(failed) failed, \(skipped) skipped" }
}

/// One failed test, with what was expected and what happened.
public struct ConformanceFailure: Sendable, CustomStringConvertible {
    public var test: String
    public var expr: String
    public var message: String
    public var description: String { "\(test)\n  expr: \(expr)\n  \(message)" }
}

/// One test of a corpus.
public struct ConformanceTest: Sendable {
    public enum Expectation: Sendable {
        case value(Value)
        case error
    }

    public enum Outcome: Sendable {
        case passed
        case failed(String)
        case skipped(String)
    }

    public var section: String
    public var name: String
    public var expr: String
    public var disableCheck: Bool
    public var disableMacros: Bool
    public var checkOnly: Bool
    public var container: String
    public var bindings: [String: Value]
    public var variables: [(String, CELType)]
    /// Function declarations of the type environment (not supported: such tests are skipped).
    public var declaresFunctions: Bool
    public var expectation: Expectation
    /// The message of an `{"error": message}` expectation.
    public var expectedErrorMessage: String?
    public var deducedType: CELType?

    init(section: String, _ t: CELMap) throws(ConformanceError) {
        func text(_ key: String) -> String { t[string: key].flatMap(ConformanceCorpus.string) ?? "" }
        func flag(_ key: String) -> Bool {
            if case .bool(true)? = t[string: key] { return true }
            return false
        }
        self.section = section
        self.name = text("name")
        self.expr = text("expr")
        self.disableCheck = flag("disable_check")
        self.disableMacros = flag("disable_macros")
        self.checkOnly = flag("check_only")
        self.container = text("container")
        var bindings: [String: Value] = [:]
        if case .map(let b)? = t[string: "bindings"] {
            for i in 0..<b.count {
                guard case .string(let key) = b.keys[i] else { continue }
                bindings[key] = try ConformanceTest.decode(b.values[i])
            }
        }
        self.bindings = bindings
        var variables: [(String, CELType)] = []
        var declaresFunctions = false
        if case .list(let decls)? = t[string: "type_env"] {
            for decl in decls {
                guard case .map(let d) = decl, case .string(let declName)? = d[string: "name"] else { continue }
                if case .string(let typeName)? = d[string: "ident"] {
                    guard let type = CELType(parsing: typeName) else {
                        throw ConformanceError("\(name): unknown type '\(typeName)'")
                    }
                    variables.append((declName, type))
                } else {
                    declaresFunctions = true
                }
            }
        }
        self.variables = variables
        self.declaresFunctions = declaresFunctions
        guard case .map(let expect)? = t[string: "expect"] else {
            throw ConformanceError("\(name): no expectation")
        }
        if let v = expect[string: "value"] {
            self.expectation = .value(try ConformanceTest.decode(v))
        } else {
            self.expectation = .error
        }
        self.expectedErrorMessage = expect[string: "error"].flatMap(ConformanceCorpus.string)
        if case .string(let typeName)? = expect[string: "deduced_type"] {
            self.deducedType = CELType(parsing: typeName)
        } else {
            self.deducedType = nil
        }
    }

    /// Runs the test as cel-go's runner does: a parse or check failure fails unless an
    /// error was expected; an expected error passes on any evaluation error (with
    /// `strictErrors`, only on one whose message contains the expected message).
    public func run(strictErrors: Bool = false) -> Outcome {
        func expected(_ message: String) -> Outcome {
            guard strictErrors, let want = expectedErrorMessage, !message.contains(want) else { return .passed }
            return .failed("expected an error containing '\(want)', got: \(message)")
        }
        if declaresFunctions { return .skipped("declares functions") }
        var env = Environment(container: container)
        for (name, type) in variables { env.declare(variable: name, type: type) }
        for name in bindings.keys where !variables.contains(where: { $0.0 == name }) {
            env.declare(variable: name, type: .dyn)
        }
        let source = Source(text: expr)
        let program: Program
        do {
            let parsed = try CELParser.parse(source, options: ParseOptions(enableMacros: !disableMacros))
            program = try env.compile(parsed.expr, in: source, checked: !disableCheck)
        } catch {
            if case .error = expectation {
                return expected(error.diagnostics.map(\.headline).joined(separator: "; "))
            }
            return .failed("compile error: \(error.diagnostics.map(\.headline).joined(separator: "; "))")
        }
        if let deducedType, !disableCheck, program.resultType != deducedType {
            return .failed("expected type \(deducedType), checker deduced \(program.resultType)")
        }
        if checkOnly { return .passed }
        let result = program.evaluate(bindings)
        switch expectation {
        case .error:
            if case .error(let e) = result { return expected(e.message) }
            return .failed("expected an error, got \(ConformanceTest.show(result))")
        case .value(let expected):
            if ConformanceTest.same(expected, result) { return .passed }
            return .failed("expected \(ConformanceTest.show(expected)), got \(ConformanceTest.show(result))")
        }
    }

    static func show(_ v: Value) -> String {
        if case .error(let e) = v { return "error: \(e.message)" }
        return "\(v) (\(v.runtimeType))"
    }

    // MARK: - Values

    /// Strict comparison for expected results: kinds must match exactly (1 is not 1u),
    /// maps compare without order, NaN equals NaN.
    static func same(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.uint(let x), .uint(let y)): return x == y
        case (.double(let x), .double(let y)): return x == y || (x.isNaN && y.isNaN)
        case (.string(let x), .string(let y)): return Array(x.unicodeScalars) == Array(y.unicodeScalars)
        case (.bytes(let x), .bytes(let y)): return x == y
        case (.list(let x), .list(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case (.map(let x), .map(let y)):
            guard x.count == y.count else { return false }
            for i in 0..<x.count {
                guard let other = y[x.keys[i]], same(x.values[i], other) else { return false }
            }
            return true
        case (.type(let x), .type(let y)): return x.runtimeName == y.runtimeName
        case (.timestamp(let x), .timestamp(let y)): return x == y
        case (.duration(let x), .duration(let y)): return x == y
        case (.ip(let x), .ip(let y)): return x == y
        case (.cidr(let x), .cidr(let y)): return x == y
        case (.optional(let x), .optional(let y)):
            switch (x.value, y.value) {
            case (nil, nil): return true
            case (let p?, let q?): return same(p, q)
            default: return false
            }
        default: return false
        }
    }

    /// Decodes a tagged VALUE of the corpus format.
    static func decode(_ tagged: Value) throws(ConformanceError) -> Value {
        guard case .map(let m) = tagged, m.count == 1, case .string(let tag) = m.keys[0] else {
            throw ConformanceError("bad tagged value \(tagged)")
        }
        let payload = m.values[0]
        switch (tag, payload) {
        case ("null", _): return .null
        case ("bool", .bool(let b)): return .bool(b)
        case ("int", .string(let s)):
            guard let i = Int64(s) else { throw ConformanceError("bad int \(s)") }
            return .int(i)
        case ("uint", .string(let s)):
            guard let u = UInt64(s) else { throw ConformanceError("bad uint \(s)") }
            return .uint(u)
        case ("double", .double(let d)): return .double(d)
        case ("double", .int(let i)): return .double(Double(i))
        case ("double", .string(let s)):
            switch s {
            case "NaN": return .double(.nan)
            case "Infinity": return .double(.infinity)
            case "-Infinity": return .double(-.infinity)
            default:
                guard let d = Double(s) else { throw ConformanceError("bad double \(s)") }
                return .double(d)
            }
        case ("string", .string(let s)): return .string(s)
        case ("bytes_b64", .string(let s)):
            guard let bytes = Base64.decode(s) else { throw ConformanceError("bad base64 \(s)") }
            return .bytes(bytes)
        case ("list", .list(let items)):
            var out: [Value] = []
            for item in items { out.append(try decode(item)) }
            return .list(out)
        case ("map", .list(let pairs)):
            var map = CELMap()
            for pair in pairs {
                guard case .list(let kv) = pair, kv.count == 2 else { throw ConformanceError("bad map entry") }
                map.insert(key: try decode(kv[0]), value: try decode(kv[1]))
            }
            return .map(map)
        case ("type", .string(let name)):
            guard let t = CELType(parsing: name) else { throw ConformanceError("bad type \(name)") }
            return .type(t)
        case ("timestamp", .string(let s)): return TimeLibrary.timestamp(parsing: s)
        case ("duration", .string(let s)): return TimeLibrary.duration(parsing: s)
        case ("error", .string(let message)): return .error(CELError(message))
        case ("ip", .string(let s)):
            guard let ip = try? CELIP(parsing: s) else { throw ConformanceError("bad ip \(s)") }
            return .ip(ip)
        case ("cidr", .string(let s)):
            guard let cidr = try? CELCIDR(parsing: s) else { throw ConformanceError("bad cidr \(s)") }
            return .cidr(cidr)
        default:
            throw ConformanceError("unsupported tagged value '\(tag)'")
        }
    }
}

/// Standard base64 (RFC 4648) decoding, for `bytes_b64` values.
enum Base64 {
    static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer: UInt32 = 0, bits = 0
        for c in text.utf8 {
            let v: UInt32
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = UInt32(c - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = UInt32(c - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt32(c - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"), UInt8(ascii: "-"): v = 62
            case UInt8(ascii: "/"), UInt8(ascii: "_"): v = 63
            case UInt8(ascii: "="): continue
            default: return nil
            }
            buffer = (buffer << 6) | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((buffer >> UInt32(bits)) & 0xFF))
            }
        }
        return out
    }
}
