/// Module names: file paths without the `.hl` extension, segments `[a-z_][a-z0-9_]*`
/// separated by `/` (`billing/pricing.hl` is module `billing/pricing`).
package enum ModuleName {
    /// The extension of module files, without the dot.
    package static let fileExtension = "hl"

    /// The module name of a file path relative to the rules root, e.g.
    /// `billing/pricing.hl` → `billing/pricing`. A leading `./` is ignored.
    package static func fromRelativePath(_ path: String) throws(ModuleNameError) -> String {
        var p = Substring(path)
        while p.hasPrefix("./") { p = p.dropFirst(2) }
        let suffix = "." + fileExtension
        guard p.hasSuffix(suffix) else {
            throw ModuleNameError(path: path, reason: "module files must end in '\(suffix)'")
        }
        let name = String(p.dropLast(suffix.count))
        if let problem = problem(with: name) {
            throw ModuleNameError(path: path, reason: problem)
        }
        return name
    }

    /// Whether `name` is a valid module name.
    package static func validate(_ name: String) -> Bool {
        problem(with: name) == nil
    }

    /// The conventional relative file path of a module: its name plus `.hl`.
    package static func path(for name: String) -> String {
        name + "." + fileExtension
    }

    /// Whether `segment` matches `[a-z_][a-z0-9_]*`.
    package static func isValidSegment(_ segment: Substring) -> Bool {
        guard let first = segment.utf8.first, first == UInt8(ascii: "_") || isLower(first) else { return false }
        return segment.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isLower($0) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) }
    }

    /// Why `name` is not a valid module name, or nil if it is.
    static func problem(with name: String) -> String? {
        if name.isEmpty { return "the module name is empty" }
        for segment in name.split(separator: "/", omittingEmptySubsequences: false) {
            if segment.isEmpty {
                return "'\(name)' has an empty path segment (a leading, trailing or doubled '/')"
            }
            if !isValidSegment(segment) {
                return "path segment '\(segment)' of '\(name)' must match [a-z_][a-z0-9_]* (lowercase letters, digits, '_')"
            }
        }
        return nil
    }

    private static func isLower(_ b: UInt8) -> Bool { b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z") }
}

/// A file path that cannot name a module.
package struct ModuleNameError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The path as given.
    package var path: String
    /// What is wrong with it.
    package var reason: String

    package init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    package var description: String { "\(path): not a module path: \(reason)" }
}
