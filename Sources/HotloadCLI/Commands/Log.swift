import ArgumentParser
import Foundation
import HotloadStore

/// `hotload log [MODULE]`: releases, newest first.
struct Log: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: "Show releases, newest first.",
        discussion: """
        Each release says who signed it (the owner registered with `hotload key register`, \
        else the key id) or that it is unsigned: what the database stores. `hotload verify` \
        checks the signatures against a trust file.
        """)

    @Argument(help: "Only releases that changed this module.")
    var module: String?

    @Option(name: .short, help: "How many releases to show.")
    var n: Int = 20

    @Option(help: "Only releases older than this one (for paging).")
    var before: Int64?

    @Option(help: "The channel.")
    var channel: String = "main"

    @OptionGroup var output: JSONOutputOption
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await reportingErrors {
            let records = try await connection.withStore { store in
                try await store.log(channel: channel, module: module, limit: n, before: before)
            }
            if output.json {
                try Output.json(records.map(LogEntryJSON.init))
                return
            }
            if records.isEmpty {
                Output.line("no releases on channel \(Output.safe(channel))\(module.map { " for \(Output.safe($0))" } ?? "")")
            }
            for record in records {
                var flags = ""
                if record.skippedCheck { flags += "  [check skipped]" }
                Output.line("release \(record.release)  \(record.channel)  \(Output.timestamp(record.createdAt))  "
                            + "\(Output.safe(record.author)) (\(Output.safe(record.databaseRole)))\(flags)")
                Output.line("    \(SignerText.line(record.signatures))")
                if !record.message.isEmpty {
                    for line in record.message.split(separator: "\n", omittingEmptySubsequences: false) {
                        Output.line("    \(Output.safe(String(line)))")
                    }
                }
                let shown = record.changes.prefix(20)
                for change in shown {
                    let version = change.version.map { " v\($0)" } ?? ""
                    Output.line("    \(change.action.rawValue.padding(8)) \(Output.safe(change.module))\(version)")
                }
                if record.changes.count > shown.count {
                    Output.line("    ... and \(record.changes.count - shown.count) more (--json lists all)")
                }
                Output.line()
            }
        }
    }
}

/// The JSON shape of one release in `hotload log --json`.
struct LogEntryJSON: Encodable {
    struct Change: Encodable {
        var module: String
        var version: Int?
        var action: String

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(module, forKey: .module)
            try container.encode(version, forKey: .version)  // null for a delete
            try container.encode(action, forKey: .action)
        }

        enum CodingKeys: String, CodingKey { case module, version, action }
    }

    var release: Int64
    var channel: String
    var author: String
    var message: String
    var created_at: String
    var changes: [Change]
    /// Who signed (empty: unsigned), as stored; `hotload verify` checks them.
    var signatures: [SignatureJSON]

    init(_ record: ReleaseRecord) {
        release = record.release
        channel = record.channel
        author = record.author
        message = record.message
        created_at = Output.timestamp(record.createdAt)
        changes = record.changes.map { Change(module: $0.module, version: $0.version, action: $0.action.rawValue) }
        signatures = record.signatures.map(SignatureJSON.init)
    }
}
