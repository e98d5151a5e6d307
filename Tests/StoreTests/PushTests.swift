import Foundation
import HotloadModules
import HotloadStore
import PQ
import Testing

@Suite struct PushTests {
    @Test func pushLogShowRoundTrip() async throws {
        let (store, _) = try await freshStore()
        let tricky = "let s = \"quo\\\"te {a,b} \\\\ back\"\r\nfn f(x) = 'ü ✓ 𝄞' // no final newline"
        let first = try await store.push([
            module("billing/tax", "fn rate(c) = 0.2\n"),
            module("billing/pricing", "import billing/tax\nfn price(o) = o.total * (1.0 + tax.rate(o.c))\n"),
            module("util", tricky),
        ], options("first push", author: "alice"))
        let release = try #require(first.release)
        #expect(first.changes.map(\.action) == [.add, .add, .add])
        #expect(first.changes.map(\.module) == ["billing/pricing", "billing/tax", "util"])
        #expect(first.changes.allSatisfy { $0.version == 1 })
        #expect(first.checked == ["billing/pricing", "billing/tax", "util"])
        #expect(try await store.head(channel: "main") == release)

        let shown = try await store.show(module: "util")
        #expect(shown.source == tricky)
        #expect(Array(shown.source.utf8) == Array(tricky.utf8))
        #expect(shown.sha256 == SHA256Hex.of(tricky))
        #expect(shown.author == "alice")

        // Only the changed module becomes a new revision.
        let second = try await store.push([
            module("billing/tax", "fn rate(c) = 0.25\n"),
            module("billing/pricing", "import billing/tax\nfn price(o) = o.total * (1.0 + tax.rate(o.c))\n"),
            module("util", tricky),
        ], options("raise tax"))
        #expect(second.changes == [ReleaseChange(module: "billing/tax", version: 2, action: .modify)])
        // The importer of a changed module is checked too.
        #expect(second.checked == ["billing/pricing", "billing/tax"])
        #expect(second.previousHead == release)

        let log = try await store.log()
        #expect(log.map(\.release) == [try #require(second.release), release])
        #expect(log[0].message == "raise tax")
        #expect(log[0].parent == release)
        #expect(log[1].changes.count == 3)
        #expect(log[1].author == "alice")
        #expect(!log[0].skippedCheck)
        let moduleLog = try await store.log(module: "util")
        #expect(moduleLog.map(\.release) == [release])
        #expect(try await store.log(limit: 1).count == 1)

        #expect(try await store.show(module: "billing/tax").source == "fn rate(c) = 0.25\n")
        #expect(try await store.show(module: "billing/tax", version: 1).source == "fn rate(c) = 0.2\n")
        #expect(try await store.show(module: "billing/tax", release: release).source == "fn rate(c) = 0.2\n")
        let manifest = try await store.manifest(release: release)
        #expect(manifest.map(\.module) == ["billing/pricing", "billing/tax", "util"])
        let revisions = try await store.revisions(manifest.map { ModuleVersion(module: $0.module, version: $0.version) })
        #expect(revisions.map(\.sha256) == manifest.map(\.sha256))
    }

    @Test func pushWithNoChangeCreatesNoRelease() async throws {
        let (store, _) = try await freshStore()
        let files = [module("a", "fn one() = 1\n")]
        let first = try await store.push(files)
        let again = try await store.push(files)
        #expect(again.isNoChange)
        #expect(again.release == nil)
        #expect(again.previousHead == first.release)
        #expect(try await store.count("SELECT count(*)::bigint AS n FROM hotload.releases") == 1)
    }

    @Test func refusedPushWritesNothing() async throws {
        let (store, _) = try await freshStore()
        try await store.push([module("a", "fn one() = 1\n"), module("b", "import a\nfn two() = a.one() + 1\n")])
        let before = try await store.count("SELECT count(*)::bigint AS n FROM hotload.revisions")
        await #expect {
            try await store.push([module("a", "fn one() = BROKEN\n"), module("c", "fn three() = 3\n")])
        } throws: { error in
            guard let error = error as? StoreError, error.code == .checkFailed else { return false }
            let diagnostics = error.diagnostics
            return diagnostics.count == 1 && diagnostics[0].headline.hasPrefix("rules/a.hl:1:12: error[E201]")
                && "\(error)".contains("  fn one() = BROKEN\n" + String(repeating: " ", count: 13) + "^")
        }
        #expect(try await store.count("SELECT count(*)::bigint AS n FROM hotload.revisions") == before)
        #expect(try await store.count("SELECT count(*)::bigint AS n FROM hotload.releases") == 1)
        #expect(try await store.count("SELECT count(*)::bigint AS n FROM hotload.modules") == 2)
    }

    @Test func brokenImporterOfAChangedModuleRefusesThePush() async throws {
        let (store, _) = try await freshStore()
        // b is broken but pushed in an emergency; it is checked again once a changes.
        try await store.push([module("a", "fn one() = 1\n")])
        let emergency = try await store.push([module("b", "import a\nfn two() = BROKEN\n")], options(skipCheck: true))
        #expect(emergency.skippedCheck)
        #expect(try await store.log(limit: 1).first?.skippedCheck == true)
        // An unrelated module's push does not trip over b...
        try await store.push([module("c", "fn three() = 3\n")])
        // ...but changing a, which b imports, does.
        await #expect(throws: StoreError.self) {
            try await store.push([module("a", "fn one() = 11\n")])
        }
    }

    @Test func dryRunWritesNothing() async throws {
        let (store, _) = try await freshStore()
        try await store.push([module("a", "fn one() = 1\n")])
        let dry = try await store.push([module("a", "fn one() = 2\n"), module("n/new", "fn x() = 0\n")],
                                       options(dryRun: true))
        #expect(dry.dryRun)
        #expect(dry.release == nil)
        #expect(dry.changes == [ReleaseChange(module: "a", version: 2, action: .modify),
                                ReleaseChange(module: "n/new", version: 1, action: .add)])
        #expect(try await store.count("SELECT count(*)::bigint AS n FROM hotload.revisions") == 1)
        #expect(try await store.count("SELECT count(*)::bigint AS n FROM hotload.releases") == 1)
        // A dry run on a new channel creates no channel either.
        _ = try await store.push([module("a", "fn one() = 1\n")], options(channel: "canary", dryRun: true))
        #expect(try await store.head(channel: "canary") == nil)
        #expect(try await store.count("SELECT count(*)::bigint AS n FROM hotload.channels") == 1)
    }

    @Test func expectRefusesWhenTheHeadMoved() async throws {
        let (store, _) = try await freshStore()
        let first = try await store.push([module("a", "fn one() = 1\n")], options(expect: 0))
        let head = try #require(first.release)
        try await store.push([module("a", "fn one() = 2\n")], options(expect: head))
        await #expect {
            try await store.push([module("a", "fn one() = 3\n")], options(expect: head))
        } throws: { error in
            guard let error = error as? StoreError, error.code == .headMoved else { return false }
            return error.expectedHead == head && error.actualHead == head + 1 && error.channel == "main"
        }
        #expect(try await store.show(module: "a").source == "fn one() = 2\n")
    }

    @Test func pruneDeletesMissingModulesUnlessImported() async throws {
        let (store, _) = try await freshStore()
        try await store.push([module("a", "fn one() = 1\n"), module("b", "import a\nfn two() = a.one()\n"),
                              module("c", "fn three() = 3\n")])
        // Without --prune, missing modules stay.
        let kept = try await store.push([module("a", "fn one() = 1\n")])
        #expect(kept.isNoChange)
        // a is still imported by b, so it cannot go.
        await #expect {
            try await store.push([module("b", "import a\nfn two() = a.one()\n")], prune: true)
        } throws: { error in
            guard let error = error as? StoreError, error.code == .stillImported else { return false }
            return error.module == "a" && error.importers == ["b"]
        }
        let pruned = try await store.push([module("a", "fn one() = 1\n"), module("b", "import a\nfn two() = a.one()\n")],
                                          prune: true)
        #expect(pruned.changes == [ReleaseChange(module: "c", version: nil, action: .delete)])
        #expect(try await store.modules().map(\.module) == ["a", "b"])
        // Re-adding identical content reuses the old revision.
        let back = try await store.push([module("c", "fn three() = 3\n")])
        #expect(back.changes == [ReleaseChange(module: "c", version: 1, action: .add)])
    }

    @Test func channelsAreIndependent() async throws {
        let (store, _) = try await freshStore()
        try await store.push([module("a", "fn one() = 1\n")])
        let canary = try await store.push([module("a", "fn one() = 2\n")], options(channel: "canary"))
        #expect(try await store.show(module: "a").source == "fn one() = 1\n")
        #expect(try await store.show(module: "a", channel: "canary").source == "fn one() = 2\n")
        #expect(try await store.log(channel: "canary").map(\.release) == [try #require(canary.release)])
        // Promoting canary's content to main reuses its revision.
        let promoted = try await store.push([module("a", "fn one() = 2\n")])
        #expect(promoted.changes == [ReleaseChange(module: "a", version: 2, action: .modify)])
        await #expect(throws: StoreError.self) {
            try await store.push([module("a", "x")], options(channel: "Bad Name"))
        }
    }

    /// The check is the module layer's, with the host declarations the options carry.
    @Test func hostDeclarationsReachTheCheck() async throws {
        let (store, _) = try await freshStore()
        let caller = module("caller", "fn v() = round2(1.5)\n")
        await #expect {
            try await store.push([caller])
        } throws: { error in
            guard let error = error as? StoreError, error.code == .checkFailed else { return false }
            return error.diagnostics.map(\.file) == ["rules/caller.hl"]
        }
        let host = try HostEnvironment(declarationsJSON: Array(#"""
            {"functions": [{"name": "round2", "overloads": [{"params": ["double"], "result": "double"}]}]}
            """#.utf8))
        var withHost = options()
        withHost.host = host
        #expect(try await store.push([caller], withHost).release != nil)
    }

    @Test func invalidModuleNamesAreRefused() async throws {
        let (store, _) = try await freshStore()
        await #expect(throws: StoreError.self) {
            try await store.push([ModuleFile(name: "Billing/x", path: "Billing/x.hl", text: "")])
        }
    }
}
