/// A problem found in source text, with a stable code and a position.
///
/// Rendered for people as
/// ```
/// billing/pricing.hl:3:17: error[E201]: undeclared reference to 'vip_treshold'
///   order.total >= vip_treshold ? 0.10 : 0.0
///                  ^
/// ```
/// and for tools as the first line alone (`file:line:col: error[CODE]: message`).
public struct Diagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable { case error, warning }

    /// A stable code: `E1xx` syntax, `E2xx` names and types, `E3xx` modules, `E4xx` limits.
    public var code: String
    public var message: String
    public var severity: Severity
    /// The source name (file path or `<expr>`).
    public var file: String
    public var location: SourceLocation
    /// The text of the offending line, for the caret display.
    public var lineText: String

    public init(code: String, message: String, severity: Severity = .error,
                file: String, location: SourceLocation, lineText: String) {
        self.code = code
        self.message = message
        self.severity = severity
        self.file = file
        self.location = location
        self.lineText = lineText
    }

    /// Creates a diagnostic at a byte offset of a source.
    public init(code: String, message: String, severity: Severity = .error, source: Source, offset: Int) {
        let loc = source.location(of: offset)
        self.init(code: code, message: message, severity: severity, file: source.name,
                  location: loc, lineText: source.lineText(loc.line))
    }

    /// `file:line:col: error[CODE]: message` — one line, parseable by tools and editors.
    public var headline: String {
        "\(file):\(location.line):\(location.column): \(severity.rawValue)[\(code)]: \(message)"
    }

    /// The longest source line shown whole; a longer one (a minified or generated line can
    /// be megabytes) is shown as this many characters around the column, marked with `…`.
    public static let maxShownLine = 160

    /// The headline, the source line and a caret under the column.
    public var description: String {
        var column = max(0, location.column - 1)
        var shown = lineText
        let scalars = Array(lineText.unicodeScalars)
        if scalars.count > Self.maxShownLine {
            let start = max(0, min(column - Self.maxShownLine / 3, scalars.count - Self.maxShownLine))
            let end = start + Self.maxShownLine
            shown = (start > 0 ? "…" : "") + String(String.UnicodeScalarView(scalars[start..<end]))
                + (end < scalars.count ? "…" : "")
            column -= start - (start > 0 ? 1 : 0)
        }
        return "\(headline)\n  \(shown)\n  \(String(repeating: " ", count: column))^"
    }
}

/// One or more diagnostics: what `compile` throws when source is refused.
public struct CompileError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
