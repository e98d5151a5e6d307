import Foundation
import Synchronization

/// CEL's regular expressions: RE2 syntax, matched by a linear-time NFA simulation
/// (no backtracking), so no pattern and input can make a match run away.
/// Differences from RE2 are listed in `README.md` next to this file.
public enum RegexEngine {
    /// Longest pattern accepted, in UTF-8 bytes.
    public static let maxPatternBytes = 32 * 1024
    /// Most instructions a compiled pattern may have (repetition counts multiply).
    public static let maxProgramSize = 50_000
    /// Thread steps one `matches` call may take before it gives up with an error:
    /// about input length × program size in the worst case.
    public static let defaultStepBudget = 50_000_000

    /// A compiled pattern. Immutable and safe to share between threads.
    public final class Regex: Sendable {
        public let pattern: String
        let program: RegexProgram

        init(pattern: String, program: RegexProgram) {
            self.pattern = pattern
            self.program = program
        }

        /// Instructions in the compiled program, a measure of matching cost per code point.
        public var programSize: Int { program.insts.count }

        /// Whether the pattern matches anywhere in `s` (an unanchored search, as RE2's
        /// `PartialMatch`). Always finishes in O(|s| × programSize).
        public func matches(_ s: String) -> Bool {
            var budget = Int.max
            return RegexMatcher.search(program, in: s, budget: &budget) ?? false
        }

        /// As `matches`, but nil when the search would take more than `budget` steps.
        public func matches(_ s: String, budget: Int) -> Bool? {
            var remaining = budget
            return RegexMatcher.search(program, in: s, budget: &remaining)
        }

        /// Capturing groups in the pattern.
        public var groupCount: Int { program.groups }

        /// A submatch searcher over `input` (positions of groups 0...9, leftmost-first).
        func submatcher(_ input: String) -> RegexSubmatcher { RegexSubmatcher(program, input: input) }

        /// As `matches(_:budget:)`, subtracting the steps taken from `budget`.
        func matches(_ s: String, spending budget: inout Int) -> Bool? {
            RegexMatcher.search(program, in: s, budget: &budget)
        }
    }

    /// Compiles a pattern, or returns the cached compilation of the same text.
    public static func compile(_ pattern: String) throws(RegexError) -> Regex {
        if let cached = cache.get(pattern) { return try cached.get() }
        let result: Result<Regex, RegexError>
        do {
            result = .success(try compileUncached(pattern))
        } catch {
            result = .failure(error)
        }
        cache.put(pattern, result)
        return try result.get()
    }

    /// Compiles without consulting or filling the cache.
    public static func compileUncached(_ pattern: String) throws(RegexError) -> Regex {
        guard pattern.utf8.count <= maxPatternBytes else {
            throw RegexError("pattern too large: more than \(maxPatternBytes) bytes")
        }
        let (node, groups) = try RegexParser.parse(pattern)
        let program = try RegexProgram.compile(node, groups: groups, maxSize: maxProgramSize)
        return Regex(pattern: pattern, program: program)
    }

    private static let cache = Cache()

    /// Compilations by pattern text (failures too, so a bad dynamic pattern is parsed
    /// once). A lookup runs per evaluation of a dynamic `matches`: the lock is held for
    /// the dictionary access only, never while compiling.
    /// Bounded: when full it is emptied, which keeps hostile pattern streams from growing it.
    private final class Cache: Sendable {
        private static let capacity = 512
        private let entries = Mutex<[String: Result<Regex, RegexError>]>([:])

        func get(_ pattern: String) -> Result<Regex, RegexError>? {
            entries.withLock { $0[pattern] }
        }

        func put(_ pattern: String, _ result: Result<Regex, RegexError>) {
            entries.withLock { entries in
                if entries.count >= Cache.capacity { entries.removeAll(keepingCapacity: true) }
                entries[pattern] = result
            }
        }
    }
}
