/// The regex extension (cel-go `ext/regex.go`): `regex.extract`, `regex.extractAll` and
/// `regex.replace`, on the linear-time engine of `Regex/` (RE2 syntax, leftmost-first
/// submatches). Inside an evaluation every call spends the evaluation's cost budget: the
/// bytes it reads, the engine's steps (as `matches`, `RegexLibrary.unitsPerStep` each)
/// and the bytes it builds, each checked before the result is built. Results longer
/// than `Limits.maxStringBytes` or `Limits.maxCollectionSize` are errors.
enum RegexExtension {
    static func declarations(limits: Limits) -> [FunctionDecl] {
        let maxBytes = limits.maxStringBytes
        let maxItems = limits.maxCollectionSize
        return [
            FunctionDecl(name: "regex.extract", overloads: [
                Overload(id: "regex_extract_string_string", params: [.string, .string], result: .optional(.string),
                         implementation: .binary { direct([$0, $1]) { extract($0, &$1, $2) } })
                    .metered { a, b, budget in extract([a, b], &budget, Frame.costExceeded) }
                    .prepared(constantPattern { extract($0, &$1, Frame.costExceeded, compiled: $2) }),
            ]),
            FunctionDecl(name: "regex.extractAll", overloads: [
                Overload(id: "regex_extractAll_string_string", params: [.string, .string], result: .list(.string),
                         implementation: .binary { direct([$0, $1]) { extractAll($0, &$1, $2, maxItems: maxItems) } })
                    .metered { a, b, budget in extractAll([a, b], &budget, Frame.costExceeded, maxItems: maxItems) }
                    .prepared(constantPattern {
                        extractAll($0, &$1, Frame.costExceeded, maxItems: maxItems, compiled: $2)
                    }),
            ]),
            FunctionDecl(name: "regex.replace", overloads: [
                Overload(id: "regex_replace_string_string_string", params: [.string, .string, .string], result: .string,
                         implementation: .ternary { direct([$0, $1, $2]) { replace($0, &$1, $2, maxBytes: maxBytes) } })
                    .metered(arguments: { args, budget in replace(args, &budget, Frame.costExceeded, maxBytes: maxBytes) })
                    .prepared(constantPattern { replace($0, &$1, Frame.costExceeded, maxBytes: maxBytes, compiled: $2) }),
                Overload(id: "regex_replace_string_string_string_int", params: [.string, .string, .string, .int],
                         result: .string,
                         implementation: .variadic { direct($0) { replace($0, &$1, $2, maxBytes: maxBytes) } })
                    .metered(arguments: { args, budget in replace(args, &budget, Frame.costExceeded, maxBytes: maxBytes) })
                    .prepared(constantPattern { replace($0, &$1, Frame.costExceeded, maxBytes: maxBytes, compiled: $2) }),
            ]),
        ]
    }

    // MARK: - Calls

    /// A call whose pattern is a constant compiles it once, at plan time; an invalid
    /// constant pattern keeps the general implementation, whose calls are the error.
    private static func constantPattern(
        _ body: @escaping @Sendable ([Value], inout Int, RegexEngine.Regex) -> Value
    ) -> @Sendable ([Value?]) -> MeteredArgumentsImplementation? {
        { constants in
            guard constants.count > 1, case .string(let pattern)? = constants[1],
                  let regex = try? RegexEngine.compile(pattern) else { return nil }
            return { args, budget in body(args, &budget, regex) }
        }
    }

    /// Runs an implementation outside an evaluation: the engine's steps are bounded by
    /// `RegexEngine.defaultStepBudget`, as a direct `matches`.
    private static func direct(_ args: [Value], _ body: ([Value], inout Int, CELError) -> Value) -> Value {
        var budget = RegexEngine.defaultStepBudget * RegexLibrary.unitsPerStep
        return body(args, &budget, CELError("regular expression is too expensive for this input"))
    }

    /// `regex.extract(target, pattern)`: the first match, or the text of the pattern's one
    /// capturing group (none when the group did not take part or matched the empty string).
    static func extract(_ args: [Value], _ budget: inout Int, _ overBudget: CELError,
                        compiled: RegexEngine.Regex? = nil) -> Value {
        guard case .string(let target) = args[0], case .string(let pattern) = args[1] else {
            return noOverload("regex.extract", args)
        }
        let regex: RegexEngine.Regex
        switch prepare(target, pattern, &budget, overBudget, singleGroup: true, compiled) {
        case .failure(let e): return .error(e)
        case .success(let r): regex = r
        }
        var matcher = regex.submatcher(target)
        let limit = budget / RegexLibrary.unitsPerStep
        let outcome = matcher.find(from: 0, stepLimit: limit)
        budget -= matcher.steps * RegexLibrary.unitsPerStep
        let slots: [Int]
        switch outcome {
        case .tooExpensive: return .error(overBudget)
        case .notFound: return .optional(.none)
        case .found(let s): slots = s
        }
        let (start, end) = regex.groupCount == 1 ? (slots[2], slots[3]) : (slots[0], slots[1])
        if regex.groupCount == 1 && start >= end { return .optional(.none) }
        budget -= end - start
        if budget < 0 { return .error(overBudget) }
        return .optional(OptionalValue(.string(text(target, start, end))))
    }

    /// `regex.extractAll(target, pattern)`: every non-overlapping match, or the non-empty
    /// texts of the pattern's one capturing group.
    static func extractAll(_ args: [Value], _ budget: inout Int, _ overBudget: CELError, maxItems: Int,
                           compiled: RegexEngine.Regex? = nil) -> Value {
        guard case .string(let target) = args[0], case .string(let pattern) = args[1] else {
            return noOverload("regex.extractAll", args)
        }
        let regex: RegexEngine.Regex
        switch prepare(target, pattern, &budget, overBudget, singleGroup: true, compiled) {
        case .failure(let e): return .error(e)
        case .success(let r): regex = r
        }
        let group = regex.groupCount == 1 ? 1 : 0
        var matcher = regex.submatcher(target)
        // Ranges first: the list and its strings are built only once they fit.
        var ranges: [(Int, Int)] = []
        var resultUnits = 0
        var failure: CELError?
        let available = budget
        let finished = matcher.forEachMatch(stepLimit: available / RegexLibrary.unitsPerStep) { slots, _ in
            let (start, end) = (slots[2 * group], slots[2 * group + 1])
            if group == 1 && start >= end { return true }
            if ranges.count == maxItems {
                failure = tooMany(maxItems)
                return false
            }
            ranges.append((start, end))
            resultUnits += 1 + end - start
            return true
        }
        budget -= matcher.steps * RegexLibrary.unitsPerStep + resultUnits
        if let failure { return .error(failure) }
        if !finished || budget < 0 { return .error(overBudget) }
        return .list(ranges.map { .string(text(target, $0.0, $0.1)) })
    }

    /// `regex.replace(target, pattern, replacement[, count])`: replaces the first `count`
    /// non-overlapping matches (all when `count` < 0, none when 0: then the target is
    /// returned before the pattern is even compiled, as cel-go) with `replacement`, where
    /// `\0`...`\9` insert a group's text and `\\` a backslash.
    static func replace(_ args: [Value], _ budget: inout Int, _ overBudget: CELError, maxBytes: Int,
                        compiled: RegexEngine.Regex? = nil) -> Value {
        guard args.count == 3 || args.count == 4, case .string(let target) = args[0],
              case .string(let pattern) = args[1], case .string(let replacement) = args[2] else {
            return noOverload("regex.replace", args)
        }
        var count: Int64 = -1
        if args.count == 4 {
            guard case .int(let n) = args[3] else { return noOverload("regex.replace", args) }
            count = n
        }
        if count == 0 { return args[0] }
        budget -= replacement.utf8.count
        let regex: RegexEngine.Regex
        switch prepare(target, pattern, &budget, overBudget, singleGroup: false, compiled) {
        case .failure(let e): return .error(e)
        case .success(let r): regex = r
        }
        // A bad replacement is an error only once a match needs it (cel-go).
        let template = ReplacementTemplate.parse(replacement, groups: regex.groupCount)
        let input = Array(target.utf8)
        var output: [UInt8] = []
        var copied = 0
        var replaced: Int64 = 0
        var failure: CELError?
        let available = budget
        var matcher = regex.submatcher(target)
        let finished = matcher.forEachMatch(stepLimit: available / RegexLibrary.unitsPerStep) { slots, steps in
            let pieces: [ReplacementTemplate.Piece]
            switch template {
            case .failure(let e):
                failure = e
                return false
            case .success(let p): pieces = p
            }
            var size = slots[0] - copied
            for piece in pieces {
                switch piece {
                case .literal(let bytes): size += bytes.count
                case .group(let g): if slots[2 * g] >= 0 { size += slots[2 * g + 1] - slots[2 * g] }
                }
            }
            // Checked before building: the result's size and what the budget has left.
            if output.count + size > maxBytes {
                failure = tooLong(maxBytes)
                return false
            }
            if steps * RegexLibrary.unitsPerStep + output.count + size > available {
                failure = overBudget
                return false
            }
            output.append(contentsOf: input[copied..<slots[0]])
            for piece in pieces {
                switch piece {
                case .literal(let bytes): output.append(contentsOf: bytes)
                case .group(let g): if slots[2 * g] >= 0 { output.append(contentsOf: input[slots[2 * g]..<slots[2 * g + 1]]) }
                }
            }
            copied = slots[1]
            replaced += 1
            return count < 0 || replaced < count
        }
        budget -= matcher.steps * RegexLibrary.unitsPerStep
        if let failure { return .error(failure) }
        if !finished { return .error(overBudget) }
        if replaced == 0 { return args[0] }
        if output.count + input.count - copied > maxBytes { return .error(tooLong(maxBytes)) }
        budget -= output.count + input.count - copied
        if budget < 0 { return .error(overBudget) }
        output.append(contentsOf: input[copied...])
        return .string(String(decoding: output, as: UTF8.self))
    }

    /// A parsed replacement string: literal bytes and group references.
    enum ReplacementTemplate {
        enum Piece {
            case literal([UInt8])
            case group(Int)
        }

        /// cel-go's rules: `\` followed by a digit references that group (which must exist),
        /// `\\` is a backslash; any other `\` is an error.
        static func parse(_ replacement: String, groups: Int) -> Result<[Piece], CELError> {
            var pieces: [Piece] = []
            var literal: [UInt8] = []
            var it = replacement.unicodeScalars.makeIterator()
            while let c = it.next() {
                guard c == "\\" else {
                    literal.append(contentsOf: String(c).utf8)
                    continue
                }
                guard let n = it.next() else {
                    return .failure(CELError("invalid replacement string: '\(replacement)' \\ not allowed at end"))
                }
                if n == "\\" {
                    literal.append(0x5C)
                    continue
                }
                guard n.value >= 0x30 && n.value <= 0x39 else {
                    return .failure(CELError(
                        "invalid replacement string: '\(replacement)' \\ must be followed by a digit or \\"))
                }
                let g = Int(n.value - 0x30)
                guard g <= groups else {
                    return .failure(CELError(
                        "replacement string references group \(g) but regex has only \(groups) group(s)"))
                }
                if !literal.isEmpty {
                    pieces.append(.literal(literal))
                    literal = []
                }
                pieces.append(.group(g))
            }
            if !literal.isEmpty { pieces.append(.literal(literal)) }
            return .success(pieces)
        }
    }

    // MARK: - Helpers

    /// Charges the bytes read, compiles the pattern unless it was compiled at plan time
    /// (`compiled`; else through the engine's cache, as `matches`) and checks the group
    /// rule of `extract` and `extractAll`.
    private static func prepare(_ target: String, _ pattern: String, _ budget: inout Int, _ overBudget: CELError,
                                singleGroup: Bool, _ compiled: RegexEngine.Regex?) -> Result<RegexEngine.Regex, CELError> {
        budget -= target.utf8.count + pattern.utf8.count
        if budget < 0 { return .failure(overBudget) }
        let regex: RegexEngine.Regex
        if let compiled {
            regex = compiled
        } else {
            do throws(RegexError) {
                regex = try RegexEngine.compile(pattern)
            } catch {
                return .failure(CELError("invalid regular expression `\(pattern)`: \(error.message)"))
            }
        }
        if singleGroup && regex.groupCount > 1 {
            return .failure(CELError("regular expression has more than one capturing group: `\(pattern)`"))
        }
        return .success(regex)
    }

    /// The text between two byte offsets on code point boundaries.
    private static func text(_ s: String, _ start: Int, _ end: Int) -> String {
        let utf8 = s.utf8
        return String(Substring(utf8[utf8.index(utf8.startIndex, offsetBy: start)..<utf8.index(utf8.startIndex, offsetBy: end)]))
    }

    private static func tooLong(_ maxBytes: Int) -> CELError {
        CELError("string result exceeds the limit of \(maxBytes) bytes (Limits.maxStringBytes)")
    }

    private static func tooMany(_ maxItems: Int) -> CELError {
        CELError("list result exceeds the limit of \(maxItems) elements (Limits.maxCollectionSize)")
    }

    private static func noOverload(_ name: String, _ args: [Value]) -> Value {
        if let e = args.first(where: \.isError) { return e }
        return .error(CELError("no such overload: \(name)(\(args.map { $0.runtimeType.runtimeName }.joined(separator: ", ")))"))
    }
}
