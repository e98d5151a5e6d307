import Foundation
@testable import HotloadStore
import PQ
import Synchronization
import Testing

/// A migrated database with one login per group role (and logins that both push and
/// approve, or operate and approve); each login's store connects on first use.
final class RolloutFixture: Sendable {
    let admin: Store
    let databaseURL: String
    let logins: [String: String]
    private let stores = Mutex<[String: Store]>([:])

    private init(admin: Store, databaseURL: String, logins: [String: String]) {
        self.admin = admin
        self.databaseURL = databaseURL
        self.logins = logins
    }

    /// Login keys: reader, node, pusher, approver, approver2, operator, admin,
    /// pushApprover (pusher and approver), operatorApprover (operator and approver).
    static func make() async throws -> RolloutFixture {
        let (store, dbURL) = try await freshStore()
        let memberships: [(String, [String])] = [
            ("reader", ["hotload_reader"]), ("node", ["hotload_node"]), ("pusher", ["hotload_pusher"]),
            ("approver", ["hotload_approver"]), ("approver2", ["hotload_approver"]),
            ("operator", ["hotload_operator"]), ("admin", ["hotload_admin"]),
            ("pushApprover", ["hotload_pusher", "hotload_approver"]),
            ("operatorApprover", ["hotload_operator", "hotload_approver"]),
        ]
        var logins: [String: String] = [:]
        for (key, roles) in memberships {
            let login = uniqueRoleName(key.lowercased())
            try await store.connection.execute("CREATE ROLE \(login) LOGIN IN ROLE \(roles.joined(separator: ", "))")
            logins[key] = login
        }
        return RolloutFixture(admin: store, databaseURL: dbURL, logins: logins)
    }

    /// The store of a login, connected on first use.
    subscript(_ key: String) -> Store {
        get async throws {
            if let store = stores.withLock({ $0[key] }) { return store }
            let store = try await Store.connect(ConnectionConfiguration(url(databaseURL, user: logins[key]!)))
            let earlier: Store? = stores.withLock { cache in
                if let earlier = cache[key] { return earlier }
                cache[key] = store
                return nil
            }
            guard let earlier else { return store }
            await store.connection.close()
            return earlier
        }
    }

    func close() async {
        for store in stores.withLock({ Array($0.values) }) { await store.connection.close() }
        await admin.connection.close()
    }

    /// Registers live nodes on `channel` (as the test's superuser).
    func register(_ names: [String], channel: String) async throws {
        for name in names {
            try await admin.connection.execute("""
                SELECT hotload.node_register($1, gen_random_uuid(), 'host', 1, $2, NULL, false, NULL, NULL, NULL,
                                             NULL, NULL, false, 30)
                """, [.text(name), .text(channel)])
        }
    }

    /// Sets a policy as the admin login.
    func policy(_ channel: String = "main", approvals: Int, steps: String = "1,50%,100%") async throws {
        try await self["admin"].setChannelPolicy(channel: channel, requiredApprovals: approvals,
                                                 steps: try RolloutStep.parse(list: steps), bakeSeconds: 0)
    }
}

/// The error `body` throws; nil when it succeeds.
func thrown(_ body: () async throws -> Void) async -> (any Error)? {
    do {
        try await body()
        return nil
    } catch {
        return error
    }
}
