import Foundation
import PQ

extension Store {
    /// Releases of a channel, newest first, each with all its changes and who signed it.
    ///
    /// - Parameters:
    ///   - module: only releases that changed this module.
    ///   - limit: at most this many releases (1...10,000).
    ///   - before: only releases older than this id (for paging).
    /// Both forms read the newest rows from an index, so the first page does not scan history.
    public func log(channel: String = "main", module: String? = nil, limit: Int = 20,
                    before: Int64? = nil) async throws -> [ReleaseRecord] {
        guard (1...10_000).contains(limit) else {
            throw StoreError.invalidRequest("the number of releases must be between 1 and 10000, not \(limit)")
        }
        return try await run(needs: .reader) {
            let columns = Queries.releaseColumns
            let cursor = PQValue.int(before ?? Int64.max)
            let rows: QueryResult
            if let module {
                rows = try await connection.query("""
                    SELECT \(columns) FROM hotload.release_changes c
                    JOIN hotload.releases r ON r.id = c.release
                    WHERE c.channel = $1 AND c.module = $2 AND c.release < $3
                    ORDER BY c.release DESC LIMIT $4
                    """, [.text(channel), .text(module), cursor, .int(Int64(limit))])
            } else {
                rows = try await connection.query("""
                    SELECT \(columns) FROM hotload.releases r
                    WHERE r.channel = $1 AND r.id < $2
                    ORDER BY r.id DESC LIMIT $3
                    """, [.text(channel), cursor, .int(Int64(limit))])
            }
            var records = try rows.map(Queries.releaseRecord)
            guard !records.isEmpty else { return records }
            let changes = try await connection.query("""
                SELECT release, module, version::bigint AS version, action FROM hotload.release_changes
                WHERE release = ANY($1::bigint[]) ORDER BY release, module
                """, [.int64Array(records.map(\.release))])
            var byRelease: [Int64: [ReleaseChange]] = [:]
            for row in changes {
                byRelease[try row.decode("release", as: Int64.self), default: []].append(try Queries.releaseChange(row))
            }
            let signatures = try await Queries.signatureRecords(connection, releases: records.map(\.release))
            for index in records.indices {
                records[index].changes = byRelease[records[index].release] ?? []
                records[index].signatures = signatures[records[index].release] ?? []
            }
            return records
        }
    }
}
