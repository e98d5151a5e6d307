import Foundation
import PQ

/// The store measurements of issue 3: one push of 1,000 modules, `log` and `show` with
/// 100,000 releases in the table, and 8 concurrent pushers.
///
/// Run it on a scratch database (for example the `hotload dev` server): history is
/// append-only, so the rows it creates stay. It uses channels and module names of its own
/// (`bench-<tag>`, `bench_<tag>/...`) and never touches other channels. The compile check is
/// a no-op here, so the numbers are the store's own cost.
public enum StoreBenchmark {
    /// Runs every measurement and returns a report, one timing per line.
    public static func run(url: String) async throws -> String {
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let store = try await Store.connect(ConnectionConfiguration(url))
        var report: [String] = []
        func note(_ line: String) { report.append(line) }
        let applied = try await store.migrate()
        if !applied.isEmpty { note("migrated: \(applied.joined(separator: ", "))") }

        // 1. One release of 1,000 modules, then a one-module change, then no change.
        let channel = "bench-\(tag)"
        let modules = (0..<1_000).map { i in
            ModuleFile(name: "bench_\(tag)/m\(pad(i))", path: "m\(pad(i)).hl", text: moduleText(i, revision: 0, tag: tag))
        }
        var options = ReleaseOptions(channel: channel, author: "bench", message: "1,000 modules") { _ in [] }
        let (pushTime, first) = try await timed { try await store.push(PushRequest(modules: modules, options: options)) }
        note("push 1,000 modules (one release \(first.release ?? 0)): \(ms(pushTime))")
        var changed = modules
        changed[500] = ModuleFile(name: changed[500].name, path: changed[500].path, text: moduleText(500, revision: 1, tag: tag))
        options.message = "one change"
        let (oneTime, _) = try await timed { try await store.push(PushRequest(modules: changed, options: options)) }
        note("push 1,000 modules, 1 changed: \(ms(oneTime))")
        let (noneTime, none) = try await timed { try await store.push(PushRequest(modules: changed, options: options)) }
        note("push 1,000 modules, none changed (no release: \(none.isNoChange)): \(ms(noneTime))")

        // 2. 100,000 releases of history on one channel, written in bulk.
        let history = "bench-\(tag)-history"
        let (fillTime, _) = try await timed { try await fillHistory(store.connection, channel: history, tag: tag) }
        note("write 100,000 releases of history (bulk SQL): \(ms(fillTime))")
        let head = try await store.head(channel: history) ?? 0
        let logTime = try await median(20) { _ = try await store.log(channel: history, limit: 20) }
        note("log -n 20, 100,000 releases: \(ms(logTime)) (median of 20)")
        let moduleLogTime = try await median(20) {
            _ = try await store.log(channel: history, module: "bench_\(tag)/h0500", limit: 20)
        }
        note("log MODULE -n 20, 100,000 releases: \(ms(moduleLogTime)) (median of 20)")
        let showTime = try await median(20) { _ = try await store.show(module: "bench_\(tag)/h0500", channel: history) }
        note("show MODULE at head: \(ms(showTime)) (median of 20)")
        let oldShowTime = try await median(20) {
            _ = try await store.show(module: "bench_\(tag)/h0500", release: head - 90_000)
        }
        note("show MODULE --release (90,000 releases back): \(ms(oldShowTime)) (median of 20)")
        let manifestTime = try await median(5) { _ = try await store.manifest(release: head) }
        note("manifest of the head (1,000 modules): \(ms(manifestTime)) (median of 5)")
        let plan = try await store.connection.query("""
            EXPLAIN SELECT id FROM hotload.releases WHERE channel = $1 AND id < $2 ORDER BY id DESC LIMIT 20
            """, [.text(history), .int(Int64.max)])
        let planLines = plan.compactMap { try? $0.decode("QUERY PLAN", as: String.self).trimmingCharacters(in: .whitespaces) }
        note("log plan: \(planLines.joined(separator: " / "))")

        // 3. 8 concurrent pushers, 25 releases each, all touching one shared module.
        let contended = "bench-\(tag)-concurrent"
        let pushers = 8, rounds = 25
        let (concurrentTime, _) = try await timed {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for pusher in 0..<pushers {
                    group.addTask {
                        let own = try await Store.connect(ConnectionConfiguration(url))
                        for round in 0..<rounds {
                            let files = [
                                ModuleFile(name: "bench_\(tag)/shared", path: "shared.hl",
                                           text: "fn v() = \(pusher * 1_000 + round)\n"),
                                ModuleFile(name: "bench_\(tag)/p\(pusher)", path: "p.hl", text: "fn v() = \(round)\n"),
                            ]
                            let options = ReleaseOptions(channel: contended, author: "bench-\(pusher)") { _ in [] }
                            _ = try await own.push(PushRequest(modules: files, options: options))
                        }
                        await own.connection.close()
                    }
                }
                try await group.waitForAll()
            }
        }
        let made = try await store.log(channel: contended, limit: 10_000)
        let linear = zip(made, made.dropFirst()).allSatisfy { $0.parent == $1.release }
        let total = pushers * rounds
        let perSecond = Double(total) / max(seconds(concurrentTime), 1e-9)
        note("\(pushers) concurrent pushers × \(rounds) releases: \(ms(concurrentTime)), "
             + String(format: "%.0f releases/s", perSecond)
             + "; \(made.count)/\(total) releases, linear history: \(linear)")
        await store.connection.close()
        return report.joined(separator: "\n")
    }

    private static func fillHistory(_ conn: isolated Connection, channel: String, tag: String) async throws {
        try await conn.transaction { @Sendable conn in
            try await conn.execute("INSERT INTO hotload.channels (name) VALUES ($1)", [.text(channel)])
            let prefix = "bench_\(tag)/h"
            try await conn.execute("""
                INSERT INTO hotload.modules (name, latest_version)
                SELECT $1 || lpad(k::text, 4, '0'), 100 FROM generate_series(0, 999) k
                """, [.text(prefix)])
            try await conn.execute("""
                INSERT INTO hotload.revisions (module, version, source, sha256, author, message)
                SELECT $1 || lpad((i % 1000)::text, 4, '0'), i / 1000 + 1, s,
                       encode(sha256(convert_to(s, 'UTF8')), 'hex'), 'bench', 'synthetic'
                FROM generate_series(0, 99999) i, LATERAL (SELECT 'fn v() = ' || i || E'\\n' AS s) src
                """, [.text(prefix)])
            try await conn.execute("""
                WITH ids AS MATERIALIZED (
                    SELECT i, nextval('hotload.releases_id_seq') AS id FROM generate_series(0, 99999) i),
                rel AS (
                    INSERT INTO hotload.releases (id, channel, parent, author, message) OVERRIDING SYSTEM VALUE
                    SELECT id, $1, lag(id) OVER (ORDER BY i), 'bench', 'synthetic ' || i FROM ids)
                INSERT INTO hotload.release_changes (release, channel, module, version, action)
                SELECT id, $1, $2 || lpad((i % 1000)::text, 4, '0'), i / 1000 + 1,
                       CASE WHEN i < 1000 THEN 'add' ELSE 'modify' END
                FROM ids
                """, [.text(channel), .text(prefix)])
            try await conn.execute("""
                UPDATE hotload.channels SET head = (SELECT max(id) FROM hotload.releases WHERE channel = $1)
                WHERE name = $1
                """, [.text(channel)])
            try await conn.execute("ANALYZE hotload.releases")
            try await conn.execute("ANALYZE hotload.release_changes")
            try await conn.execute("ANALYZE hotload.revisions")
        }
    }

    /// Module i imports module i-1: a chain, so a change in the middle has ~500 importers to check.
    private static func moduleText(_ i: Int, revision: Int, tag: String) -> String {
        var text = "// module \(i), revision \(revision)\n"
        if i > 0 { text += "import bench_\(tag)/m\(pad(i - 1))\n" }
        for f in 0..<8 { text += "fn f\(f)(x) = x * \(f + revision) + \(i)\n" }
        return text
    }

    private static func pad(_ i: Int) -> String {
        let digits = String(i)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private static func timed<T>(_ body: () async throws -> T) async throws -> (Duration, T) {
        let start = ContinuousClock.now
        let value = try await body()
        return (ContinuousClock.now - start, value)
    }

    private static func median(_ runs: Int, _ body: () async throws -> Void) async throws -> Duration {
        var times: [Duration] = []
        for _ in 0..<runs {
            let start = ContinuousClock.now
            try await body()
            times.append(ContinuousClock.now - start)
        }
        return times.sorted()[times.count / 2]
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    private static func ms(_ d: Duration) -> String {
        String(format: "%.2f ms", seconds(d) * 1_000)
    }
}
