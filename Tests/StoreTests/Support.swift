import CEL
import Foundation
import HotloadStore
import PostgresHarness
import PQ

/// A fresh, empty database of the test server. Creating it blocks (it runs `psql`), so the
/// harness runs it on a thread of its own: neither Swift's cooperative pool nor Dispatch's
/// workers, which the other tests' socket waits need.
func freshDatabase() async throws -> String {
    try await TestDatabase.freshAsync()
}

/// A migrated store on a fresh, empty database of the test server.
func freshStore() async throws -> (store: Store, url: String) {
    let url = try await freshDatabase()
    let store = try await Store.connect(ConnectionConfiguration(url))
    _ = try await store.migrate()
    return (store, url)
}

func options(_ message: String = "test", channel: String = "main", expect: Int64? = nil,
             dryRun: Bool = false, skipCheck: Bool = false, author: String = "tester") -> ReleaseOptions {
    ReleaseOptions(channel: channel, author: author, message: message, expectedHead: expect,
                   dryRun: dryRun, skipCheck: skipCheck)
}

func module(_ name: String, _ text: String) -> ModuleFile {
    ModuleFile(name: name, path: "rules/\(name).hl", text: text)
}

extension Store {
    /// Pushes modules (checked by the module layer's `ReleaseCheck`, as every push).
    @discardableResult
    func push(_ modules: [ModuleFile], prune: Bool = false, _ options: ReleaseOptions = options())
        async throws -> PushResult {
        try await push(PushRequest(modules: modules, prune: prune, options: options))
    }

    /// A single integer from SQL.
    func count(_ sql: String) async throws -> Int64 {
        let rows = try await connection.query(sql)
        return try rows.first?.decode("n", as: Int64.self) ?? -1
    }
}

/// The URL with another user name (the test server trusts local connections).
func url(_ url: String, user: String) -> String {
    guard let at = url.range(of: "@"), let scheme = url.range(of: "://") else { return url }
    return String(url[..<scheme.upperBound]) + user + String(url[at.lowerBound...])
}

/// A unique role name (roles are cluster-wide; test databases share one server).
func uniqueRoleName(_ prefix: String) -> String {
    "\(prefix)_\(UInt32.random(in: 0...UInt32.max))"
}
