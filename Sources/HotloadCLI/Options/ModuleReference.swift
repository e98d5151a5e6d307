import ArgumentParser

/// `MODULE[@VERSION]` and version arguments (`3` or `v3`).
enum ModuleReference {
    static func parse(_ text: String) throws -> (module: String, version: Int?) {
        guard let at = text.lastIndex(of: "@") else { return (text, nil) }
        return (String(text[..<at]), try version(String(text[text.index(after: at)...])))
    }

    static func version(_ text: String) throws -> Int {
        let digits = text.hasPrefix("v") ? String(text.dropFirst()) : text
        guard let value = Int(digits), value > 0 else {
            throw ValidationError("'\(text)' is not a version number (1, 2, ... or v1, v2, ...)")
        }
        return value
    }
}
