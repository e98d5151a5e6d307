import Foundation
import Testing

/// `hotload check` and `hotload push` (the real binary) see the same module set from the
/// same paths: each case builds a tree, runs `check` and `push --dry-run` on it, and
/// expects both to accept the same modules or both to refuse with the same message.
/// Serialized, so that its 44 processes do not all compete at once with the node tests
/// that run beside it on a small machine.
@Suite(.serialized) struct ModuleLoaderCLITests {
    /// What both commands must do with a case's tree.
    enum Outcome: Sendable {
        /// Both accept; push would add exactly these modules.
        case accepts([String])
        /// Both refuse; both outputs contain this text (`path: reason`).
        case refuses(String)
    }

    /// One tree: `build` fills the case's base directory, `arguments` are relative to it.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var arguments: [String] = ["rules"]
        var build: @Sendable (Tree) throws -> Void
        var outcome: Outcome
        var testDescription: String { name }
    }

    /// A case's base directory.
    struct Tree {
        let base: URL

        func file(_ path: String, _ text: String) throws {
            try bytes(path, Array(text.utf8))
        }

        func bytes(_ path: String, _ bytes: [UInt8]) throws {
            let url = base.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }

        func directory(_ path: String) throws {
            try FileManager.default.createDirectory(at: base.appendingPathComponent(path), withIntermediateDirectories: true)
        }

        /// A symbolic link at `path` whose target is `target` as written.
        func link(_ path: String, to target: String) throws {
            let url = base.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: target)
        }

        func fifo(_ path: String) throws {
            guard mkfifo(base.appendingPathComponent(path).path, 0o644) == 0 else {
                throw FixtureError("mkfifo \(path) failed")
            }
        }
    }

    static let ok = "fn v() = 1\n"

    static let cases: [Case] = [
        Case(name: "dot-directories and dot-files are skipped",
             build: { t in
                 try t.file("rules/a.hl", ok)
                 try t.file("rules/.git/x.hl", "not a module")
                 try t.file("rules/.hidden.hl", "not a module")
                 try t.file("rules/sub/.draft/y.hl", "not a module")
             },
             outcome: .accepts(["a"])),
        Case(name: "other files are ignored",
             build: { t in
                 try t.file("rules/a.hl", ok)
                 try t.file("rules/README.md", "# not a module")
                 try t.file("rules/Docs/notes.txt", "not a module")
             },
             outcome: .accepts(["a"])),
        Case(name: "a NUL byte is refused",
             build: { t in try t.bytes("rules/a.hl", Array("// \u{0}\nfn v() = 1\n".utf8)) },
             outcome: .refuses("rules/a.hl: contains a NUL byte")),
        Case(name: "a file over the size cap is refused",
             build: { t in try t.file("rules/a.hl", ok + "// " + String(repeating: "x", count: 1 << 20) + "\n") },
             outcome: .refuses("rules/a.hl: is 1048591 bytes; module files are limited to 1048576")),
        Case(name: "a file at the size cap is accepted",
             build: { t in
                 let head = ok + "// "
                 try t.file("rules/a.hl", head + String(repeating: "x", count: (1 << 20) - head.utf8.count - 1) + "\n")
             },
             outcome: .accepts(["a"])),
        Case(name: "non-UTF-8 is refused",
             build: { t in try t.bytes("rules/a.hl", [0x2f, 0x2f, 0x20, 0xff, 0x0a] + Array(ok.utf8)) },
             outcome: .refuses("rules/a.hl: is not valid UTF-8")),
        Case(name: "an invalid module name is refused",
             build: { t in
                 try t.file("rules/a.hl", ok)
                 try t.file("rules/Billing/x.hl", ok)
             },
             outcome: .refuses("rules/Billing/x.hl: path segment 'Billing' of 'Billing/x' must match [a-z_][a-z0-9_]*")),
        Case(name: "a directory named like a module file is walked, and its name is refused",
             build: { t in try t.file("rules/old.hl/x.hl", ok) },
             outcome: .refuses("rules/old.hl/x.hl: path segment 'old.hl' of 'old.hl/x' must match")),
        Case(name: "a symlink to a file inside the tree is a module of its own name",
             build: { t in
                 try t.file("rules/a.hl", ok)
                 try t.link("rules/b.hl", to: "a.hl")
             },
             outcome: .accepts(["a", "b"])),
        Case(name: "a symlink to a file outside the tree is refused",
             build: { t in
                 try t.file("secret.hl", ok)
                 try t.file("rules/a.hl", ok)
                 try t.link("rules/b.hl", to: "../secret.hl")
             },
             outcome: .refuses("rules/b.hl: is a symbolic link to a file outside")),
        Case(name: "a symlink to a directory is refused",
             build: { t in
                 try t.file("rules/sub/x.hl", ok)
                 try t.link("rules/alias", to: "sub")
             },
             outcome: .refuses("rules/alias: is a symbolic link to a directory")),
        Case(name: "a directory symlink loop is refused",
             build: { t in
                 try t.file("rules/a.hl", ok)
                 try t.link("rules/loop", to: ".")
             },
             outcome: .refuses("rules/loop: is a symbolic link to a directory")),
        Case(name: "a symlink loop is refused",
             build: { t in try t.link("rules/loop.hl", to: "loop.hl") },
             outcome: .refuses("rules/loop.hl: is a symbolic link that cannot be resolved")),
        Case(name: "a dangling symlink is refused",
             build: { t in try t.link("rules/gone.hl", to: "nowhere.hl") },
             outcome: .refuses("rules/gone.hl: is a symbolic link that cannot be resolved")),
        Case(name: "a FIFO is refused, not waited on",
             build: { t in
                 try t.directory("rules")
                 try t.fifo("rules/pipe.hl")
             },
             outcome: .refuses("rules/pipe.hl: is not a regular file")),
        Case(name: "two files giving one module are refused",
             arguments: ["rules", "other"],
             build: { t in
                 try t.file("rules/a.hl", ok)
                 try t.file("other/a.hl", ok)
             },
             outcome: .refuses("other/a.hl: module 'a' is also given by rules/a.hl")),
        Case(name: "one file reached by two paths is one module",
             arguments: ["rules", "./rules/", "rules/a.hl", "--root", "rules"],
             build: { t in try t.file("rules/a.hl", ok) },
             outcome: .accepts(["a"])),
        Case(name: "--root names the modules of directories too",
             arguments: ["rules/billing", "--root", "rules"],
             build: { t in try t.file("rules/billing/x.hl", ok) },
             outcome: .accepts(["billing/x"])),
        Case(name: "a single file is named relative to the current directory",
             arguments: ["rules/a.hl"],
             build: { t in try t.file("rules/a.hl", ok) },
             outcome: .accepts(["rules/a"])),
        Case(name: "a single file outside --root is refused",
             arguments: ["rules/a.hl", "--root", "other"],
             build: { t in
                 try t.file("rules/a.hl", ok)
                 try t.directory("other")
             },
             outcome: .refuses("rules/a.hl: is not under the root other")),
        Case(name: "a single file that is not a module file is refused",
             arguments: ["rules/README.md"],
             build: { t in try t.file("rules/README.md", "#") },
             outcome: .refuses("rules/README.md: not a module file (modules end in .hl)")),
        Case(name: "a missing path is refused",
             arguments: ["missing"],
             build: { _ in },
             outcome: .refuses("missing: no such file or directory")),
    ]

    /// One database for every case: a dry run writes nothing.
    static let fixture = Task { try await NodeFixture.make() }

    @Test(arguments: cases)
    func checkAndPushSeeTheSameModules(_ item: Case) async throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("loader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: base) }
        try item.build(Tree(base: base))
        let url = try await Self.fixture.value.url

        let check = try await runHotload(["check"] + item.arguments, directory: base)
        let push = try await runHotload(["push"] + item.arguments + ["--dry-run", "--database", url],
                                        environment: ["HOTLOAD_AUTHOR": "tests"], directory: base)
        switch item.outcome {
        case .accepts(let modules):
            #expect(check.status == 0, "check: \(check.output.prefix(600))")
            let count = "\(modules.count) module\(modules.count == 1 ? "" : "s") ok"
            #expect(check.output.contains(count), "check: \(check.output.prefix(600))")
            #expect(push.status == 0, "push: \(push.output.prefix(600))")
            let added = push.output.split(separator: "\n").compactMap { line -> String? in
                let words = line.split(separator: " ")
                return words.count == 3 && words[0] == "add" ? String(words[1]) : nil
            }
            #expect(added == modules, "push: \(push.output.prefix(600))")
        case .refuses(let message):
            #expect(check.status == 1, "check: \(check.output.prefix(600))")
            #expect(check.output.contains(message), "check: \(check.output.prefix(600))")
            #expect(push.status == 1, "push: \(push.output.prefix(600))")
            #expect(push.output.contains(message), "push: \(push.output.prefix(600))")
        }
    }
}
