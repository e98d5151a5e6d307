import Foundation
import Testing

/// Keeps the one registry of diagnostic codes honest: the codes declared in `CELErrorCode`
/// and `ModuleErrorCode` are exactly the live rows of the README's "Diagnostic codes" table,
/// with the owner it names; no code is declared twice or outside its owner's ranges; and no
/// bare `"Ennn"` string literal is left in `Sources/` outside the two registry files.
@Suite("DiagnosticCodes")
struct DiagnosticCodeTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Each registry file, the owner the README names for it, and the prefixes of the codes it owns.
    static let registries: [(path: String, owner: String, prefixes: [String])] = [
        ("Sources/CEL/API/CELErrorCode.swift", "CEL", ["E1", "E2", "E40"]),
        ("Sources/HotloadModules/Syntax/ModuleErrorCode.swift", "modules", ["E3", "E41"]),
    ]


    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// `(code, owner)` of every `public static let name = "Ennn"` in the registries.
    static func declared() throws -> [(code: String, owner: String)] {
        let declaration = try Regex(#"public static let \w+ = "(E[0-9]{3})""#)
        return try registries.flatMap { registry in
            try text(registry.path).matches(of: declaration).map { match in
                (String(match.output[1].substring ?? ""), registry.owner)
            }
        }
    }

    /// `(code, owner)` of every row of the README's "Diagnostic codes" table.
    static func documented() throws -> [(code: String, owner: String)] {
        let readme = try text("README.md")
        let section = try #require(readme.range(of: "### Diagnostic codes\n"))
        let row = try Regex(#"^\| (E[0-9]{3}) \| ([^|]+?) \|"#).anchorsMatchLineEndings()
        let rest = readme[section.upperBound...]
        let end = rest.range(of: "\n#")?.lowerBound ?? rest.endIndex
        return rest[..<end].matches(of: row).map {
            (String($0.output[1].substring ?? ""), String($0.output[2].substring ?? ""))
        }
    }

    @Test func everyDeclaredCodeIsInTheREADMETableAndViceVersa() throws {
        let declared = try Self.declared()
        let documented = try Self.documented()
        #expect(declared.count > 30, "the registries were not read")
        #expect(Set(declared.map(\.code)).count == declared.count, "a code declared twice: \(declared)")
        #expect(Set(documented.map(\.code)).count == documented.count, "a code listed twice: \(documented)")

        let live = documented.filter { $0.owner != "—" }
        #expect(declared.map { "\($0.code) \($0.owner)" }.sorted() == live.map { "\($0.code) \($0.owner)" }.sorted())
        let retired = Set(documented.filter { $0.owner == "—" }.map(\.code))
        #expect(retired == ["E411"])
    }

    @Test func everyRegistryDeclaresOnlyItsOwnRanges() throws {
        for (code, owner) in try Self.declared() {
            let registry = try #require(Self.registries.first { $0.owner == owner })
            #expect(registry.prefixes.contains { code.hasPrefix($0) }, "\(registry.path) declares \(code), outside its ranges")
        }
    }

    @Test func noBareCodeLiteralOutsideTheRegistries() throws {
        let literal = try Regex(#""E[0-9]{3}""#)
        let registryPaths = Set(Self.registries.map(\.path))
        let sources = Self.root.appendingPathComponent("Sources")
        let files = try #require(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil))
        var found: [String] = []
        var scanned = 0
        for case let url as URL in files where url.pathExtension == "swift" {
            let path = String(url.path.dropFirst(Self.root.path.count + 1))
            guard !registryPaths.contains(path) else { continue }
            scanned += 1
            let text = try String(contentsOf: url, encoding: .utf8)
            found += text.matches(of: literal).map { "\(path): \(text[$0.range])" }
        }
        #expect(scanned > 100, "Sources/ was not read")
        #expect(found.isEmpty, "bare codes: \(found)")
    }
}
