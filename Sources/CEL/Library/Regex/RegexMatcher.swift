/// A Pike VM without captures: simulates all NFA threads in lock step, one code point
/// at a time, so a search costs O(input length × program size) and never backtracks.
enum RegexMatcher {
    /// A set of program counters with O(1) insert, lookup and clear.
    struct SparseSet {
        var dense: [Int32]
        var sparse: [Int32]
        var count = 0
        init(capacity: Int) {
            dense = [Int32](repeating: 0, count: capacity)
            sparse = [Int32](repeating: 0, count: capacity)
        }
        func contains(_ pc: Int) -> Bool {
            let k = Int(sparse[pc])
            return k < count && Int(dense[k]) == pc
        }
        mutating func insert(_ pc: Int) {
            sparse[pc] = Int32(count)
            dense[count] = Int32(pc)
            count += 1
        }
    }

    /// Whether the pattern matches anywhere in `input`; nil when more than `budget`
    /// thread steps would be needed. The steps taken are subtracted from `budget`.
    static func search(_ program: RegexProgram, in input: String, budget: inout Int) -> Bool? {
        if let literal = program.literal { return contains(input, literal) }
        var threads = Threads(program: program)
        let limit = budget
        defer { budget -= threads.steps }
        var current = SparseSet(capacity: program.insts.count)
        var next = SparseSet(capacity: program.insts.count)
        var it = input.unicodeScalars.makeIterator()
        var prev: UInt32?
        var cur: UInt32? = it.next()?.value
        var atStart = true
        let skipper = program.anchoredStart ? nil : program.firstInsts
        while true {
            if current.count == 0, let first = skipper {
                while let c = cur, !first.contains(where: { accepts(program, program.insts[$0], c) }) {
                    prev = c
                    cur = it.next()?.value
                }
            }
            if atStart || !program.anchoredStart {
                if threads.add(to: &current, 0, prev, cur) { return true }
            }
            atStart = false
            if threads.steps > limit { return nil }
            guard let c = cur else { return false }
            if current.count == 0 && program.anchoredStart { return false }
            let following = it.next()?.value
            for k in 0..<current.count {
                let pc = Int(current.dense[k])
                if accepts(program, program.insts[pc], c), threads.add(to: &next, pc + 1, c, following) { return true }
            }
            swap(&current, &next)
            next.count = 0
            prev = c
            cur = following
        }
    }

    /// Whether a consuming instruction accepts the code point `c`.
    @inline(__always)
    static func accepts(_ program: RegexProgram, _ inst: RegexInst, _ c: UInt32) -> Bool {
        switch inst {
        case .scalar(let x): return c == x
        case .scalarFold(let x): return (c < 128 ? CaseFolding.lower(c) : CaseFolding.fold(c)) == x
        case .set(let s, let ascii): return c < 128 ? ascii.contains(c) : program.sets[s].contains(c)
        default: return false
        }
    }

    /// Follows empty transitions; keeps a reusable stack and counts the work done.
    private struct Threads {
        let program: RegexProgram
        var stack: [Int] = []
        var steps = 0

        /// Adds the thread at `pc` and everything reachable from it without consuming
        /// input; `before`/`after` are the code points around the position. True on a match.
        mutating func add(to list: inout SparseSet, _ pc: Int, _ before: UInt32?, _ after: UInt32?) -> Bool {
            stack.append(pc)
            while let pc = stack.popLast() {
                if list.contains(pc) { continue }
                list.insert(pc)
                steps += 1
                switch program.insts[pc] {
                case .jump(let target):
                    stack.append(target)
                case .split(let a, let b):
                    stack.append(b)
                    stack.append(a)
                case .assert(let kind):
                    if RegexMatcher.holds(kind, before, after) { stack.append(pc + 1) }
                case .save:
                    stack.append(pc + 1)
                case .match:
                    stack.removeAll(keepingCapacity: true)
                    return true
                case .scalar, .scalarFold, .set:
                    break
                }
            }
            return false
        }
    }

    static func holds(_ kind: RegexAssertion, _ before: UInt32?, _ after: UInt32?) -> Bool {
        switch kind {
        case .beginText: return before == nil
        case .endText: return after == nil
        case .beginLine: return before == nil || before == 0x0A
        case .endLine: return after == nil || after == 0x0A
        case .wordBoundary: return isWord(before) != isWord(after)
        case .notWordBoundary: return isWord(before) == isWord(after)
        }
    }

    private static func isWord(_ c: UInt32?) -> Bool {
        guard let c else { return false }
        return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F
    }

    /// Byte-wise substring search; on UTF-8 this is the same as searching code points.
    private static func contains(_ input: String, _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        var haystack = input
        return haystack.withUTF8 { h in
            guard h.count >= needle.count else { return false }
            let first = needle[0]
            var i = 0
            let last = h.count - needle.count
            while i <= last {
                if h[i] == first {
                    var k = 1
                    while k < needle.count && h[i + k] == needle[k] { k += 1 }
                    if k == needle.count { return true }
                }
                i += 1
            }
            return false
        }
    }
}
