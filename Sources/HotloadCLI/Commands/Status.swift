import ArgumentParser
import Foundation
import HotloadStore

/// `hotload status`: which node runs which release.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show every node: channel, applied release and whether it is the stable, the candidate or a pinned release, channel head, lag, heartbeat age, last error.")

    @Option(help: "Seconds without heartbeat after which a node is marked stale.")
    var staleAfter: Double = 15

    @OptionGroup var output: JSONOutputOption
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await reportingErrors {
            guard staleAfter > 0, staleAfter <= 86_400 else {
                throw ValidationError("--stale-after must be in (0, 86400] seconds")
            }
            let rows = try await connection.withStore { store in
                try await store.nodeStatuses(staleAfter: .milliseconds(Int64(staleAfter * 1000)))
            }
            if output.json {
                try Output.json(rows.map(NodeJSON.init))
            } else {
                Output.raw(Self.table(rows))
            }
        }
    }

    /// One node in `--json` output (times as RFC 3339 strings).
    struct NodeJSON: Encodable {
        var name: String
        var host: String
        var pid: Int
        var channel: String
        var appliedRelease: Int64?
        /// "stable", "candidate" or "pinned" (null: not reported).
        var role: String?
        var head: Int64?
        var lag: Int
        var heartbeatAgeSeconds: Double
        var heartbeatStale: Bool
        var servingCache: Bool
        var stopped: Bool
        var errorRelease: Int64?
        var lastError: NodeError?
        var startedAt: String

        init(_ row: NodeStatusRow) {
            name = row.name
            host = row.host
            pid = row.pid
            channel = row.channel
            appliedRelease = row.appliedRelease
            role = row.appliedRole?.rawValue
            head = row.head
            lag = row.lag
            heartbeatAgeSeconds = row.heartbeatAgeSeconds
            heartbeatStale = row.heartbeatStale
            servingCache = row.servingCache
            stopped = row.stopped
            errorRelease = row.errorRelease
            lastError = row.lastError
            startedAt = Output.timestamp(row.startedAt)
        }
    }

    /// The human-readable table, one node per line, errors indented below their node.
    static func table(_ rows: [NodeStatusRow]) -> String {
        if rows.isEmpty { return "no nodes have registered yet\n" }
        var lines = [["NODE", "CHANNEL", "RELEASE", "RUNS", "HEAD", "LAG", "HEARTBEAT", "STATE"]]
        var errors: [Int: String] = [:]
        for row in rows {
            var state: [String] = []
            if row.stopped { state.append("stopped") } else if row.heartbeatStale { state.append("STALE") } else { state.append("up") }
            if row.servingCache { state.append("cached") }
            if let error = row.lastError, let release = row.errorRelease {
                state.append("refused \(release)")
                errors[lines.count] = "    release \(release): \(Output.safe(error.description))"
            }
            lines.append([Output.safe(row.name), Output.safe(row.channel), row.appliedRelease.map(String.init) ?? "-",
                          row.appliedRole?.rawValue ?? "-", row.head.map(String.init) ?? "-", String(row.lag),
                          String(format: "%.1fs ago", row.heartbeatAgeSeconds), state.joined(separator: ", ")])
        }
        let widths = (0..<lines[0].count).map { column in lines.map { $0[column].count }.max() ?? 0 }
        var out = ""
        for (index, line) in lines.enumerated() {
            let padded = line.enumerated().map { column, cell in
                column == line.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }
            out += padded.joined(separator: "  ") + "\n"
            if let error = errors[index] { out += error + "\n" }
        }
        return out
    }
}
