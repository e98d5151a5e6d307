import CEL
import Testing

/// How a diagnostic shows its source line: whole when short; around the column, marked with
/// `…`, when long (a generated one-line module of a megabyte printed the whole megabyte).
@Suite("Diagnostic rendering")
struct DiagnosticRenderingTests {
    @Test func aShortLineIsShownWhole() {
        let source = Source(name: "a.hl", text: "1 + x")
        let text = Diagnostic(code: "E201", message: "undeclared reference to 'x'", source: source, offset: 4).description
        #expect(text == "a.hl:1:5: error[E201]: undeclared reference to 'x'\n  1 + x\n      ^")
    }

    @Test(arguments: [0, 10, 500, 100_000, 199_999])
    func aLongLineIsShownAroundTheColumnWithTheCaretUnderIt(offset: Int) throws {
        var text = Array(repeating: "a", count: 200_000)
        text[offset] = "X"
        let source = Source(name: "big.hl", text: text.joined())
        let lines = Diagnostic(code: "E102", message: "unexpected", source: source, offset: offset)
            .description.split(separator: "\n", omittingEmptySubsequences: false)
        try #require(lines.count == 3)
        #expect(lines[0].hasPrefix("big.hl:1:\(offset + 1): "))
        let shown = Array(lines[1].dropFirst(2))
        #expect(shown.count <= Diagnostic.maxShownLine + 2)
        let caret = try #require(lines[2].firstIndex(of: "^"))
        #expect(shown[lines[2].distance(from: lines[2].startIndex, to: caret) - 2] == "X")
        let start = max(0, min(offset - Diagnostic.maxShownLine / 3, 200_000 - Diagnostic.maxShownLine))
        #expect(shown.first == (start > 0 ? "…" : (offset == 0 ? "X" : "a")))
        #expect(shown.last == (start + Diagnostic.maxShownLine < 200_000 ? "…" : (offset == 199_999 ? "X" : "a")))
    }

    @Test func columnsCountUnicodeScalarsInTheWindowToo() throws {
        let text = String(repeating: "é", count: 300) + "?" + String(repeating: "é", count: 300)
        let source = Source(name: "u.hl", text: text)
        let lines = Diagnostic(code: "E101", message: "bad", source: source, offset: 600).description
            .split(separator: "\n", omittingEmptySubsequences: false)
        let shown = Array(lines[1].dropFirst(2).unicodeScalars)
        let caret = try #require(lines[2].firstIndex(of: "^"))
        #expect(shown[lines[2].distance(from: lines[2].startIndex, to: caret) - 2] == "?")
    }
}
