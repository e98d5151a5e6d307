/// A piece of source text with a name (a file path or `<expr>`) and a line table,
/// so that byte offsets in the AST can be turned into `line:column` positions.
public struct Source: Sendable {
    /// The name shown in diagnostics, for example `billing/pricing.hl`.
    public let name: String
    /// The whole text.
    public let text: String
    /// The text as UTF-8 bytes; AST offsets index into this.
    public let utf8: [UInt8]
    /// Byte offset where each line starts.
    private let lineStarts: [Int]

    public init(name: String = "<expr>", text: String) {
        self.name = name
        self.text = text
        self.utf8 = Array(text.utf8)
        var starts = [0]
        for (i, b) in utf8.enumerated() where b == UInt8(ascii: "\n") { starts.append(i + 1) }
        self.lineStarts = starts
    }

    /// 1-based line and column (column counted in Unicode scalars) of a byte offset.
    public func location(of offset: Int) -> SourceLocation {
        let clamped = max(0, min(offset, utf8.count))
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= clamped { lo = mid } else { hi = mid - 1 }
        }
        let start = lineStarts[lo]
        var column = 1
        var i = start
        while i < clamped {
            // Count only scalar-leading bytes (not UTF-8 continuation bytes).
            if utf8[i] & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        return SourceLocation(offset: clamped, line: lo + 1, column: column)
    }

    /// The text of a 1-based line, without its newline.
    public func lineText(_ line: Int) -> String {
        guard line >= 1, line <= lineStarts.count else { return "" }
        let start = lineStarts[line - 1]
        var end = line < lineStarts.count ? lineStarts[line] - 1 : utf8.count
        if end > start, utf8[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return String(decoding: utf8[start..<max(start, end)], as: UTF8.self)
    }
}

/// A position in a `Source`.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var offset: Int
    public var line: Int
    public var column: Int
    public init(offset: Int, line: Int, column: Int) {
        self.offset = offset
        self.line = line
        self.column = column
    }
    public var description: String { "\(line):\(column)" }
}
