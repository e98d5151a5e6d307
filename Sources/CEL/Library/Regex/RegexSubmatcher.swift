/// A Pike VM with capture slots (as RE2's and Go's `regexp` NFA): threads advance in lock
/// step over the input's code points, each carrying the positions of its groups, in
/// priority order, so the first thread to reach `match` is the leftmost-first match
/// (Perl's and RE2's choice) and the threads below it are cut. A search costs
/// O(input length × program size × tracked slots) and never backtracks.
///
/// Positions are UTF-8 byte offsets into the input, always on code point boundaries.
/// One submatcher serves many searches of the same input (`regex.extractAll`,
/// `regex.replace`): its buffers are allocated once.
struct RegexSubmatcher {
    /// What a search found.
    enum Outcome {
        /// Slots `2g` and `2g + 1` hold group g's start and end (-1 when the group did not
        /// take part); group 0 is the whole match.
        case found([Int])
        case notFound
        /// The search needed more steps than its budget.
        case tooExpensive
    }

    /// Groups whose positions are recorded (0 is the whole match): the replacement syntax
    /// references `\0`...`\9`, so no caller needs more, and the slots per thread stay few.
    static let maxTrackedGroups = 10

    private let program: RegexProgram
    private let input: [UInt8]
    private var current: ThreadList
    private var next: ThreadList
    private var closure: Closure
    /// Slots per thread: 2 × (tracked groups).
    var slots: Int { closure.slots }
    /// Thread steps taken since the submatcher was made.
    var steps: Int { closure.steps }

    /// Threads in priority order, with their slots: thread k (dense position k of `set`)
    /// owns `slots[k * width ..< (k + 1) * width]`.
    private struct ThreadList {
        var set: RegexMatcher.SparseSet
        var slots: [Int] = []
    }

    init(_ program: RegexProgram, input: String) {
        self.program = program
        self.input = Array(input.utf8)
        current = ThreadList(set: RegexMatcher.SparseSet(capacity: program.insts.count))
        next = ThreadList(set: RegexMatcher.SparseSet(capacity: program.insts.count))
        closure = Closure(program: program, slots: 2 * min(program.groups + 1, RegexSubmatcher.maxTrackedGroups))
    }

    /// The leftmost-first match starting at or after byte offset `start` (a code point
    /// boundary), seeing the code point before `start` for `^`, `\b` and `\B`. Gives up
    /// with `.tooExpensive` once `steps` passes `stepLimit`.
    mutating func find(from start: Int, stepLimit: Int) -> Outcome {
        current.set.count = 0
        next.set.count = 0
        let slots = closure.slots
        let skipper = program.anchoredStart ? nil : program.firstInsts
        var matched: [Int]?
        var pos = start
        var prev = start > 0 ? scalar(before: start) : nil
        var (cur, width) = decode(at: pos)
        while true {
            if current.set.count == 0, matched == nil, let first = skipper {
                // No thread alive: skip code points no match can start with (no steps).
                while let c = cur, !first.contains(where: { RegexMatcher.accepts(program, program.insts[$0], c) }) {
                    prev = c
                    pos += width
                    (cur, width) = decode(at: pos)
                }
            }
            if matched == nil && (!program.anchoredStart || pos == 0) {
                for i in 0..<slots { closure.work[i] = -1 }
                closure.work[0] = pos
                closure.add(to: &current, 0, at: pos, prev, cur)
            }
            if closure.steps > stepLimit { return .tooExpensive }
            if current.set.count == 0 && (matched != nil || cur == nil || program.anchoredStart) { break }
            let following = cur == nil ? (nil, 0) : decode(at: pos + width)
            for k in 0..<current.set.count {
                let pc = Int(current.set.dense[k])
                let inst = program.insts[pc]
                if case .match = inst {
                    var found = Array(current.slots[(k * slots)..<((k + 1) * slots)])
                    found[1] = pos
                    matched = found
                    break  // threads after this one have lower priority
                }
                guard let c = cur, RegexMatcher.accepts(program, inst, c) else { continue }
                for i in 0..<slots { closure.work[i] = current.slots[k * slots + i] }
                closure.add(to: &next, pc + 1, at: pos + width, c, following.0)
            }
            guard let c = cur else { break }
            swap(&current, &next)
            next.set.count = 0
            prev = c
            pos += width
            (cur, width) = following
        }
        return matched.map(Outcome.found) ?? .notFound
    }

    /// Follows empty transitions, recording positions in capture slots; counts the work done.
    private struct Closure {
        let program: RegexProgram
        let slots: Int
        /// The slots of the thread being followed.
        var work: [Int]
        var stack: [Job] = []
        var steps = 0

        enum Job {
            case explore(Int)
            case restore(slot: Int, value: Int)
        }

        init(program: RegexProgram, slots: Int) {
            self.program = program
            self.slots = slots
            work = [Int](repeating: -1, count: slots)
        }

        /// Adds the thread at `pc` (with the slots in `work`) and everything reachable from
        /// it without consuming input, in priority order; consuming and `match` threads keep
        /// a copy of their slots. `before`/`after` are the code points around `pos`.
        mutating func add(to list: inout ThreadList, _ pc: Int, at pos: Int, _ before: UInt32?, _ after: UInt32?) {
            stack.append(.explore(pc))
            while let job = stack.popLast() {
                switch job {
                case .restore(let slot, let value):
                    work[slot] = value
                case .explore(let pc):
                    if list.set.contains(pc) { continue }
                    let k = list.set.count
                    list.set.insert(pc)
                    steps += 1
                    switch program.insts[pc] {
                    case .jump(let target):
                        stack.append(.explore(target))
                    case .split(let a, let b):
                        stack.append(.explore(b))
                        stack.append(.explore(a))
                    case .assert(let kind):
                        if RegexMatcher.holds(kind, before, after) { stack.append(.explore(pc + 1)) }
                    case .save(let slot):
                        if slot < slots {
                            stack.append(.restore(slot: slot, value: work[slot]))
                            work[slot] = pos
                        }
                        stack.append(.explore(pc + 1))
                    case .scalar, .scalarFold, .set, .match:
                        // The slot copy is work too: a step per thread kept.
                        steps += 1
                        let base = k * slots
                        if list.slots.count < base + slots {
                            list.slots.append(contentsOf: repeatElement(-1, count: base + slots - list.slots.count))
                        }
                        for i in 0..<slots { list.slots[base + i] = work[i] }
                    }
                }
            }
        }
    }

    /// The code point starting at byte offset `i` and its length, or (nil, 0) at the end.
    @inline(__always)
    private func decode(at i: Int) -> (UInt32?, Int) {
        guard i < input.count else { return (nil, 0) }
        let b0 = UInt32(input[i])
        if b0 < 0x80 { return (b0, 1) }
        if b0 < 0xE0 { return ((b0 & 0x1F) << 6 | UInt32(input[i + 1] & 0x3F), 2) }
        if b0 < 0xF0 {
            return ((b0 & 0x0F) << 12 | UInt32(input[i + 1] & 0x3F) << 6 | UInt32(input[i + 2] & 0x3F), 3)
        }
        return ((b0 & 0x07) << 18 | UInt32(input[i + 1] & 0x3F) << 12 | UInt32(input[i + 2] & 0x3F) << 6
                | UInt32(input[i + 3] & 0x3F), 4)
    }

    /// The code point that ends at byte offset `i` (> 0).
    private func scalar(before i: Int) -> UInt32? {
        var j = i - 1
        while j > 0 && input[j] & 0xC0 == 0x80 { j -= 1 }
        return decode(at: j).0
    }

    /// Calls `body` with each successive non-overlapping match, as Go's and RE2's
    /// "find all": after an empty match the search resumes one code point later (never
    /// inside a code point), and an empty match right where the previous match ended is
    /// skipped. `body` also receives the steps taken so far. Stops when `body` returns false; false when the steps passed `stepLimit`.
    mutating func forEachMatch(stepLimit: Int, _ body: (_ slots: [Int], _ steps: Int) -> Bool) -> Bool {
        var pos = 0
        var previousEnd = -1
        while pos <= input.count {
            guard case .found(let match) = find(from: pos, stepLimit: stepLimit) else {
                return steps <= stepLimit
            }
            let accept = !(match[1] == match[0] && match[0] == previousEnd)
            if match[1] == match[0] {
                let w = decode(at: match[1]).1
                pos = match[1] + (w == 0 ? 1 : w)
            } else {
                pos = match[1]
            }
            previousEnd = match[1]
            if accept && !body(match, steps) { return true }
        }
        return true
    }
}
