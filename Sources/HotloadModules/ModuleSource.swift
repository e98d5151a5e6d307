/// The text of one module file, as read from disk or from the store.
public struct ModuleSource: Sendable, Hashable {
    /// The module's name: its path without `.hl`, e.g. `billing/pricing`.
    public var name: String
    /// The path shown in diagnostics, e.g. `rules/billing/pricing.hl`.
    public var path: String
    /// The module's source text.
    public var text: String

    /// `path` defaults to the name plus `.hl`.
    public init(name: String, path: String? = nil, text: String) {
        self.name = name
        self.path = path ?? ModuleName.path(for: name)
        self.text = text
    }
}
