import Foundation
import HotloadStore
import PQ
import Testing

@Suite struct HistoryTests {
    @Test func diffBetweenVersionsAndReleases() async throws {
        let (store, _) = try await freshStore()
        let r1 = try #require(try await store.push([module("a", "fn one() = 1\nfn two() = 2\n"),
                                                    module("b", "fn b() = 0\n")]).release)
        let r2 = try #require(try await store.push([module("a", "fn one() = 1\nfn two() = 22\n"),
                                                    module("c", "fn c() = 0\n")], prune: true).release)
        let last = try await store.diff(module: "a")
        #expect(last.render() == """
            --- a/a.hl (v1)
            +++ b/a.hl (v2)
            @@ -1,2 +1,2 @@
             fn one() = 1
            -fn two() = 2
            +fn two() = 22

            """)
        #expect(try await store.diff(module: "a", from: 1, to: 1).isEmpty)
        #expect(try await store.diff(module: "a", from: 2, to: 1).hunks.count == 1)
        let all = try await store.diff(release: r1, r2)
        #expect(all.map(\.module) == ["a", "b", "c"])
        #expect(all[1].newLabel == "/dev/null")
        #expect(all[2].oldLabel == "/dev/null")
        #expect(all[1].render().contains("-fn b() = 0"))
        await #expect(throws: StoreError.self) { _ = try await store.diff(module: "a", from: 9, to: 1) }
    }

    @Test func rollbackCreatesANewReleaseAndKeepsThePast() async throws {
        let (store, _) = try await freshStore()
        let r1 = try #require(try await store.push([module("a", "fn v() = 1\n"), module("b", "fn b() = 1\n")]).release)
        try await store.push([module("a", "fn v() = 2\n")])
        try await store.push([module("a", "fn v() = 3\n"), module("c", "fn c() = 3\n")])

        let one = try await store.rollback(module: "a", to: 1, options: options("back to 1"))
        #expect(one.changes == [ReleaseChange(module: "a", version: 1, action: .rollback)])
        #expect(try await store.show(module: "a").source == "fn v() = 1\n")
        // Rolling back to the version already there changes nothing.
        #expect(try await store.rollback(module: "a", to: 1, options: options()).isNoChange)
        await #expect(throws: StoreError.self) {
            _ = try await store.rollback(module: "a", to: 7, options: options())
        }

        let whole = try await store.rollback(release: r1, options: options("restore r1"))
        #expect(whole.changes == [ReleaseChange(module: "c", version: nil, action: .delete)])
        #expect(try await store.manifest(release: try #require(whole.release)) == (try await store.manifest(release: r1)))
        let log = try await store.log()
        #expect(log.count == 5)
        #expect(log[0].message == "restore r1")
        #expect(try await store.show(module: "a", version: 3).source == "fn v() = 3\n")
    }

    @Test func removeDeletesUnlessImported() async throws {
        let (store, _) = try await freshStore()
        try await store.push([module("a", "fn one() = 1\n"), module("b", "import a\nfn two() = a.one()\n")])
        await #expect(throws: StoreError.self) { _ = try await store.remove(["a"], options: options()) }
        let removed = try await store.remove(["a", "b"], options: options("cleanup"))
        #expect(removed.changes.map(\.action) == [.delete, .delete])
        #expect(try await store.modules().isEmpty)
        await #expect(throws: StoreError.self) { _ = try await store.remove(["a"], options: options()) }
        await #expect(throws: StoreError.self) { _ = try await store.show(module: "a") }
        // History still has the source.
        #expect(try await store.show(module: "a", version: 1).source == "fn one() = 1\n")
    }

    @Test func exportWritesFilesAndManifest() async throws {
        let (store, _) = try await freshStore()
        let r1 = try #require(try await store.push([module("x/a", "fn a() = 1"), module("b", "fn b() = 2\r\n")]).release)
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("hotload-export-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try await store.export(to: directory)
        #expect(result.manifest.release == r1)
        #expect(result.manifest.modules.map(\.path) == ["b.hl", "x/a.hl"])
        let bytes = try #require(FileManager.default.contents(atPath: directory + "/b.hl"))
        #expect(Array(bytes) == Array("fn b() = 2\r\n".utf8))
        #expect(SHA256Hex.of(bytes: Array(bytes)) == result.manifest.modules[0].sha256)
        let manifestData = try #require(FileManager.default.contents(atPath: directory + "/manifest.json"))
        let manifest = try JSONDecoder().decode(ExportManifest.self, from: manifestData)
        #expect(manifest == result.manifest)

        // Exporting a later release removes files of modules that are gone, nothing else.
        #expect(FileManager.default.createFile(atPath: directory + "/README.md", contents: Data("keep".utf8)))
        try await store.push([module("b", "fn b() = 2\r\n")], prune: true)
        let second = try await store.export(to: directory)
        #expect(second.removed == ["x/a.hl"])
        #expect(!FileManager.default.fileExists(atPath: directory + "/x/a.hl"))
        #expect(FileManager.default.fileExists(atPath: directory + "/README.md"))
        // An older release can still be exported.
        #expect(try await store.export(to: directory, release: r1).manifest.modules.count == 2)
    }

    @Test func headCacheAgreesWithHistory() async throws {
        let (store, _) = try await freshStore()
        var seen: [Int64: [ManifestEntry]] = [:]
        func record(_ result: PushResult) async throws {
            guard let release = result.release else { return }
            // At the head, manifest() reads hotload.channel_modules.
            seen[release] = try await store.manifest(release: release)
        }
        try await record(try await store.push([module("a", "fn v() = 1\n"), module("b", "fn v() = 1\n"), module("c", "fn v() = 1\n")]))
        try await record(try await store.push([module("a", "fn v() = 2\n"), module("b", "fn v() = 2\n")], prune: true))
        try await record(try await store.push([module("c", "fn v() = 1\n"), module("d", "fn v() = 1\n")]))
        try await record(try await store.remove(["a"], options: options()))
        try await record(try await store.rollback(module: "b", to: 1, options: options()))
        let first = try #require(seen.keys.min())
        let restored = try await store.rollback(release: first, options: options())
        try await record(restored)
        try await record(try await store.push([module("x", "fn v() = 1\n")], options(channel: "other")))
        try await store.push([module("z", "fn v() = 1\n")])
        #expect(seen.count == 7)
        for (release, manifest) in seen {
            // No longer heads, so now derived from release_changes.
            #expect(try await store.manifest(release: release) == manifest, "release \(release)")
        }
        #expect(seen[first] == seen[try #require(restored.release)])
    }

    @Test func modulesListsTheHead() async throws {
        let (store, _) = try await freshStore()
        #expect(try await store.modules().isEmpty)
        let r = try #require(try await store.push([module("a", "fn one() = 1\n")], options(author: "bob")).release)
        let list = try await store.modules()
        #expect(list.count == 1)
        #expect(list[0].module == "a")
        #expect(list[0].version == 1)
        #expect(list[0].bytes == 13)
        #expect(list[0].release == r)
        #expect(list[0].author == "bob")
    }
}
