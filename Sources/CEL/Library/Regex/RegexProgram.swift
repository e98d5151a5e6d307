/// One instruction of a compiled pattern (a Thompson NFA in array form).
enum RegexInst: Sendable {
    case scalar(UInt32)
    /// Matches a code point whose case fold equals the operand (already folded).
    case scalarFold(UInt32)
    /// A character set: index into `sets`, plus its answers for ASCII as a 128-bit map.
    case set(Int, ascii: ASCIIMap)
    /// Continue at both targets.
    case split(Int, Int)
    case jump(Int)
    case assert(RegexAssertion)
    /// Records the position in capture slot n (2g: group g's start, 2g + 1: its end);
    /// an empty transition for the yes/no search.
    case save(Int)
    case match
}

/// Which of the 128 ASCII code points a character set contains.
struct ASCIIMap: Sendable {
    var low: UInt64 = 0
    var high: UInt64 = 0

    init(_ set: CharSet) {
        for c in UInt32(0)..<128 where set.contains(c) {
            if c < 64 { low |= 1 << UInt64(c) } else { high |= 1 << UInt64(c - 64) }
        }
    }

    /// `c` must be below 128.
    func contains(_ c: UInt32) -> Bool {
        c < 64 ? low & (1 << UInt64(c)) != 0 : high & (1 << UInt64(c - 64)) != 0
    }
}

/// A compiled pattern: instructions, character sets, and facts that allow shortcuts.
struct RegexProgram: Sendable {
    var insts: [RegexInst] = []
    var sets: [CharSet] = []
    /// The pattern can only match at the start of the input (`^...` without `(?m)`).
    var anchoredStart = false
    /// The consuming instructions a match must start with, when every match starts by
    /// consuming a code point (no assertion or empty match first): the matcher skips
    /// input positions none of them accepts.
    var firstInsts: [Int]?
    /// When the whole pattern is a short case-sensitive literal, its UTF-8 bytes: a
    /// plain substring search answers `matches`.
    var literal: [UInt8]?
    /// Capturing groups in the pattern.
    var groups = 0

    /// Compiles a parsed pattern, refusing programs with more than `maxSize` instructions.
    static func compile(_ node: RegexNode, groups: Int = 0, maxSize: Int) throws(RegexError) -> RegexProgram {
        let size = estimate(node, limit: maxSize)
        guard size <= maxSize else {
            throw RegexError("pattern too large: compiles to more than \(maxSize) instructions")
        }
        var p = RegexProgram()
        p.insts.reserveCapacity(size + 1)
        p.emit(node)
        p.insts.append(.match)
        p.anchoredStart = startsWithBeginText(node)
        p.firstInsts = p.leadingConsumers()
        p.literal = literalBytes(node)
        p.groups = groups
        return p
    }

    /// The number of instructions `emit` produces, saturating at `limit + 1`.
    private static func estimate(_ node: RegexNode, limit: Int) -> Int {
        let cap = limit + 1
        func add(_ a: Int, _ b: Int) -> Int { min(cap, a + b) }
        func mul(_ a: Int, _ b: Int) -> Int {
            let (r, o) = a.multipliedReportingOverflow(by: b)
            return o ? cap : min(cap, r)
        }
        switch node {
        case .empty: return 0
        case .literal, .set, .assertion: return 1
        case .concat(let items):
            return items.reduce(0) { add($0, estimate($1, limit: limit)) }
        case .alternate(let branches):
            let body = branches.reduce(0) { add($0, estimate($1, limit: limit)) }
            return add(body, mul(2, branches.count - 1))
        case .capture(let inner, _):
            return add(estimate(inner, limit: limit), 2)
        case .repetition(let inner, let lo, let hi, _):
            let s = estimate(inner, limit: limit)
            if let hi {
                return add(mul(lo, s), mul(hi - lo, add(s, 1)))
            }
            return lo == 0 ? add(s, 2) : add(mul(lo, s), 1)
        }
    }

    private mutating func emit(_ node: RegexNode) {
        switch node {
        case .empty:
            break
        case .literal(let c, let fold):
            insts.append(fold ? .scalarFold(CaseFolding.fold(c)) : .scalar(c))
        case .set(let set):
            sets.append(set)
            insts.append(.set(sets.count - 1, ascii: ASCIIMap(set)))
        case .assertion(let a):
            insts.append(.assert(a))
        case .concat(let items):
            for item in items { emit(item) }
        case .alternate(let branches):
            var jumpsToEnd: [Int] = []
            for (k, branch) in branches.enumerated() {
                if k < branches.count - 1 {
                    let split = insts.count
                    insts.append(.split(split + 1, -1))
                    emit(branch)
                    jumpsToEnd.append(insts.count)
                    insts.append(.jump(-1))
                    insts[split] = .split(split + 1, insts.count)
                } else {
                    emit(branch)
                }
            }
            for j in jumpsToEnd { insts[j] = .jump(insts.count) }
        case .capture(let inner, let index):
            insts.append(.save(2 * index))
            emit(inner)
            insts.append(.save(2 * index + 1))
        case .repetition(let inner, let lo, let hi, let greedy):
            // A split's first target is the preferred one: more repetitions when greedy.
            func split(_ more: Int, _ fewer: Int) -> RegexInst { greedy ? .split(more, fewer) : .split(fewer, more) }
            if let hi {
                for _ in 0..<lo { emit(inner) }
                // (x(x(x)?)?)? for the optional copies: each split skips to the common end.
                var splits: [Int] = []
                for _ in lo..<hi {
                    splits.append(insts.count)
                    insts.append(.split(insts.count + 1, -1))
                    emit(inner)
                }
                for s in splits { insts[s] = split(s + 1, insts.count) }
            } else if lo == 0 {
                let loop = insts.count
                insts.append(.split(loop + 1, -1))
                emit(inner)
                insts.append(.jump(loop))
                insts[loop] = split(loop + 1, insts.count)
            } else {
                for _ in 0..<(lo - 1) { emit(inner) }
                let start = insts.count
                emit(inner)
                insts.append(split(start, insts.count + 1))
            }
        }
    }

    /// The consuming instructions reachable from the start without consuming input, or nil
    /// if an assertion or the match instruction is reachable that way.
    private func leadingConsumers() -> [Int]? {
        var seen = Set<Int>()
        var stack = [0]
        var out: [Int] = []
        while let pc = stack.popLast() {
            guard seen.insert(pc).inserted else { continue }
            switch insts[pc] {
            case .jump(let t): stack.append(t)
            case .split(let a, let b): stack.append(a); stack.append(b)
            case .save: stack.append(pc + 1)
            case .assert, .match: return nil
            case .scalar, .scalarFold, .set: out.append(pc)
            }
        }
        return out
    }

    private static func startsWithBeginText(_ node: RegexNode) -> Bool {
        switch node {
        case .assertion(.beginText): return true
        case .concat(let items): return items.first.map(startsWithBeginText) ?? false
        case .alternate(let branches): return branches.allSatisfy(startsWithBeginText)
        case .repetition(let inner, let lo, _, _): return lo > 0 && startsWithBeginText(inner)
        case .capture(let inner, _): return startsWithBeginText(inner)
        default: return false
        }
    }

    private static func literalBytes(_ node: RegexNode) -> [UInt8]? {
        var scalars = String.UnicodeScalarView()
        func collect(_ n: RegexNode) -> Bool {
            switch n {
            case .literal(let c, fold: false):
                guard let s = Unicode.Scalar(c) else { return false }
                scalars.append(s)
                return true
            case .concat(let items): return items.allSatisfy(collect)
            // Groups matter to the submatcher only, which does not use `literal`.
            case .capture(let inner, _): return collect(inner)
            case .empty: return true
            default: return false
            }
        }
        guard collect(node) else { return nil }
        let bytes = Array(String(scalars).utf8)
        // Short needles only: the naive search is O(input × needle).
        return bytes.count <= 64 ? bytes : nil
    }
}
