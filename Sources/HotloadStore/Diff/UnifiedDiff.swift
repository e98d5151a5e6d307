/// A unified diff of one file (module), as printed by `hotload diff`.
public struct FileDiff: Sendable, Hashable {
    /// One line of a hunk.
    public enum Line: Sendable, Hashable {
        case context(String)
        case removed(String)
        case added(String)
        /// `\ No newline at end of file`, after the line it applies to.
        case noNewlineAtEnd
    }

    /// A group of changes with surrounding context.
    public struct Hunk: Sendable, Hashable {
        public var oldStart: Int
        public var oldCount: Int
        public var newStart: Int
        public var newCount: Int
        public var lines: [Line]

        /// `@@ -l,s +l,s @@`, counts of 1 omitted as GNU diff does.
        public var header: String {
            func range(_ start: Int, _ count: Int) -> String { count == 1 ? "\(start)" : "\(start),\(count)" }
            return "@@ -\(range(oldStart, oldCount)) +\(range(newStart, newCount)) @@"
        }
    }

    /// The module this diff is about.
    public var module: String
    /// `a/...` side label (`/dev/null` when the module is absent).
    public var oldLabel: String
    public var newLabel: String
    public var hunks: [Hunk]

    /// True when both sides are identical.
    public var isEmpty: Bool { hunks.isEmpty }

    /// Diffs two texts line by line with `context` lines around each change.
    public init(module: String, oldLabel: String, newLabel: String, old: String, new: String, context: Int = 3) {
        self.module = module
        self.oldLabel = oldLabel
        self.newLabel = newLabel
        let a = Self.splitLines(old), b = Self.splitLines(new)
        self.hunks = Self.hunks(Myers.diff(a, b), a: a, b: b, context: max(0, context))
    }

    /// The unified diff text; with `color`, ANSI colours for terminals.
    public func render(color: Bool = false) -> String {
        let bold = color ? "\u{1B}[1m" : "", cyan = color ? "\u{1B}[36m" : ""
        let red = color ? "\u{1B}[31m" : "", green = color ? "\u{1B}[32m" : ""
        let reset = color ? "\u{1B}[0m" : ""
        var out = "\(bold)--- \(oldLabel)\(reset)\n\(bold)+++ \(newLabel)\(reset)\n"
        for hunk in hunks {
            out += "\(cyan)\(hunk.header)\(reset)\n"
            for line in hunk.lines {
                switch line {
                case .context(let text): out += " \(text)\n"
                case .removed(let text): out += "\(red)-\(text)\(reset)\n"
                case .added(let text): out += "\(green)+\(text)\(reset)\n"
                case .noNewlineAtEnd: out += "\\ No newline at end of file\n"
                }
            }
        }
        return out
    }

    /// Lines with their terminator, so a last line without newline differs from one with it.
    private static func splitLines(_ text: String) -> [Substring] {
        var lines: [Substring] = []
        var start = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(after: index)
            if text[index] == "\n" || text[index] == "\r\n" {
                lines.append(text[start..<next])
                start = next
            }
            index = next
        }
        if start < text.endIndex { lines.append(text[start...]) }
        return lines
    }

    private static func render(_ line: Substring, _ make: (String) -> Line) -> [Line] {
        if line.hasSuffix("\r\n") { return [make(String(line.dropLast(2)) + "\r")] }
        if line.hasSuffix("\n") { return [make(String(line.dropLast()))] }
        return [make(String(line)), .noNewlineAtEnd]
    }

    private static func hunks(_ edits: [Edit], a: [Substring], b: [Substring], context: Int) -> [Hunk] {
        let changed = edits.indices.filter { if case .equal = edits[$0] { false } else { true } }
        guard let firstChange = changed.first else { return [] }
        // Group changes whose gap of equal lines is at most 2·context.
        var groups: [(Int, Int)] = []
        var groupStart = firstChange, groupEnd = firstChange
        for index in changed.dropFirst() {
            if index - groupEnd - 1 > 2 * context {
                groups.append((groupStart, groupEnd))
                groupStart = index
            }
            groupEnd = index
        }
        groups.append((groupStart, groupEnd))

        var result: [Hunk] = []
        // Lines of each file before edits[cursor], advanced group by group.
        var cursor = 0, oldLine = 0, newLine = 0
        for (start, end) in groups {
            let from = max(0, start - context), to = min(edits.count - 1, end + context)
            while cursor < from {
                switch edits[cursor] {
                case .equal: oldLine += 1; newLine += 1
                case .delete: oldLine += 1
                case .insert: newLine += 1
                }
                cursor += 1
            }
            var hunk = Hunk(oldStart: oldLine, oldCount: 0, newStart: newLine, newCount: 0, lines: [])
            for edit in edits[from...to] {
                switch edit {
                case .equal(let o, _):
                    hunk.lines += render(a[o], Line.context)
                    hunk.oldCount += 1
                    hunk.newCount += 1
                case .delete(let o):
                    hunk.lines += render(a[o], Line.removed)
                    hunk.oldCount += 1
                case .insert(let n):
                    hunk.lines += render(b[n], Line.added)
                    hunk.newCount += 1
                }
            }
            // 1-based starts; an empty side names the line before it.
            if hunk.oldCount > 0 { hunk.oldStart += 1 }
            if hunk.newCount > 0 { hunk.newStart += 1 }
            result.append(hunk)
        }
        return result
    }
}
