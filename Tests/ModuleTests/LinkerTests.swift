import CEL
import Foundation
import HotloadModules
import Testing

/// Linker cases as data: each `Data/link/*.txt` file holds module files and what linking
/// them must give, in sections:
///
///     -- billing/tax.hl --        a module file (name from the path)
///     -- diagnostics --           one headline per line (`file:line:col: error[CODE]: msg`)
///     -- calls --                 `module.function(JSON args...) => JSON result` per line,
///                                 or `=> error: substring` for an evaluation error
///
/// A case with no `diagnostics` section must link cleanly.
struct LinkCase: CustomTestStringConvertible, Sendable {
    var name: String
    var modules: [ModuleSource] = []
    var diagnostics: [String]?
    var calls: [String] = []
    var testDescription: String { name }

    /// Every case in `Data/link`; throws when the folder is missing (a missing folder must
    /// fail the suite, not run zero cases).
    static func all() throws -> [LinkCase] {
        guard let dir = Bundle.module.url(forResource: "Data/link", withExtension: nil) else {
            throw MissingLinkCases()
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".txt") }.sorted()
        return try files.map { file in
            try parse(name: file, text: String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8))
        }
    }

    static func parse(name: String, text: String) throws -> LinkCase {
        var result = LinkCase(name: name)
        var section: String?
        var body: [Substring] = []
        func flush() {
            guard let section else { return }
            let content = body.joined(separator: "\n")
            if section == "diagnostics" {
                result.diagnostics = body.map(String.init).filter { !$0.isEmpty }
            } else if section == "calls" {
                result.calls = body.map(String.init).filter { !$0.isEmpty && !$0.hasPrefix("#") }
            } else {
                let moduleName = String(section.dropLast(3))
                result.modules.append(ModuleSource(name: moduleName, text: content + "\n"))
            }
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("-- "), line.hasSuffix(" --") {
                flush()
                section = String(line.dropFirst(3).dropLast(3))
                body = []
            } else {
                body.append(line)
            }
        }
        flush()
        return result
    }
}

struct MissingLinkCases: Error, CustomStringConvertible {
    var description: String { "the test resource folder Data/link is missing" }
}

@Suite("Linker cases (Data/link)")
struct LinkerCaseTests {
    /// The cases below are data: an empty or missing folder would pass vacuously.
    @Test func casesArePresent() throws {
        #expect(try LinkCase.all().count >= 6)
    }

    @Test(arguments: try LinkCase.all())
    func linkCase(_ testCase: LinkCase) throws {
        let snapshot: Snapshot
        do {
            snapshot = try Linker().link(testCase.modules)
        } catch {
            let got = error.diagnostics.map(\.headline)
            #expect(got == (testCase.diagnostics ?? []), "diagnostics of \(testCase.name):\n\(got.joined(separator: "\n"))")
            return
        }
        #expect(testCase.diagnostics == nil || testCase.diagnostics == [], "expected diagnostics, linked fine")
        for line in testCase.calls {
            try checkCall(line, snapshot: snapshot)
        }
    }

    /// `module.function(JSON args...) => JSON result` or `=> error: text`.
    private func checkCall(_ line: String, snapshot: Snapshot) throws {
        let parts = line.components(separatedBy: " => ")
        try #require(parts.count == 2, "bad call line: \(line)")
        let call = parts[0]
        let open = try #require(call.firstIndex(of: "("))
        let target = call[..<open]
        let dot = try #require(target.lastIndex(of: "."))
        let module = String(target[..<dot]), function = String(target[target.index(after: dot)...])
        let argsJSON = "[" + call[call.index(after: open)..<call.index(before: call.endIndex)] + "]"
        guard case .list(let args) = try Value(json: argsJSON) else {
            Issue.record("arguments of \(line) are not a JSON list")
            return
        }
        let result = try snapshot.call(module: module, function: function, args: args)
        if parts[1].hasPrefix("error: ") {
            guard case .error(let error) = result else {
                Issue.record("\(call): expected an error, got \(String(describing: try? result.json()))")
                return
            }
            #expect(error.message.contains(parts[1].dropFirst("error: ".count)), "\(call): \(error.message)")
        } else {
            let expected = try Value(json: parts[1])
            let got = try? result.json()
            let want = try expected.json()
            #expect(result.celEquals(expected) && got == want,
                    "\(call): expected \(parts[1]), got \(got ?? "\(result)")")
        }
    }
}
