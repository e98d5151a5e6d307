import ArgumentParser
import HotloadStore

/// `hotload show MODULE[@VERSION]`: the exact source bytes; `hotload show --release N`:
/// the release, its module set and who signed it.
struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a module's exact source (at the head, a version or a release), or a release.",
        discussion: """
        With MODULE, prints its source exactly as stored. Without MODULE, `--release N` \
        prints the release: its author, message and changes, every module of its module set \
        with version and SHA-256 (what a signature covers), and who signed it (the \
        registered owner, else the key id) or that it is unsigned, as the database stores \
        it; `hotload verify` checks the signatures against a trust file.
        """)

    @Argument(help: "MODULE or MODULE@VERSION (omit it with --release to show the release).")
    var module: String?

    @Option(help: "The module as of this release, or this release (without MODULE).")
    var release: Int64?

    @Option(help: "The channel (when neither a version nor a release is given).")
    var channel: String = "main"

    @Flag(name: .long, help: "Print the release (without MODULE) as machine-readable JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if module == nil, release == nil {
            throw ValidationError("give MODULE[@VERSION], or --release N to show a release")
        }
        if module != nil, json {
            throw ValidationError("--json applies to `show --release N` without MODULE; a module's source prints as stored")
        }
    }

    func run() async throws {
        try await reportingErrors {
            guard let module else {
                guard let release else { throw ValidationError("give --release N") }
                let detail = try await connection.withStore { store in try await store.release(release) }
                if json { return try Output.json(ReleaseJSON(detail)) }
                Self.print(detail)
                return
            }
            let (name, version) = try ModuleReference.parse(module)
            if version != nil, release != nil {
                throw ValidationError("give either MODULE@VERSION or --release, not both")
            }
            let revision = try await connection.withStore { store in
                try await store.show(module: name, version: version, release: release, channel: channel)
            }
            Output.raw(revision.source)
        }
    }

    private static func print(_ detail: ReleaseDetail) {
        let record = detail.record
        Output.line("release \(record.release)  \(record.channel)  \(Output.timestamp(record.createdAt))  "
                    + "\(Output.safe(record.author)) (\(Output.safe(record.databaseRole)))"
                    + (record.skippedCheck ? "  [check skipped]" : ""))
        Output.line("parent:  \(record.parent.map { "release \($0)" } ?? "none")")
        Output.line(record.signatures.isEmpty ? "unsigned" : "signed by:")
        for signature in record.signatures {
            Output.line("    \(SignerText.name(signature))  \(signature.keyID)  "
                        + "by \(Output.safe(signature.databaseRole)) at \(Output.timestamp(signature.createdAt))")
        }
        if !record.message.isEmpty {
            Output.line("message:")
            for line in record.message.split(separator: "\n", omittingEmptySubsequences: false) {
                Output.line("    \(Output.safe(String(line)))")
            }
        }
        Output.line("changes:")
        for change in record.changes {
            Output.line("    \(change.action.rawValue.padding(8)) \(Output.safe(change.module))\(change.version.map { " v\($0)" } ?? "")")
        }
        Output.line("modules (\(detail.modules.count)):")
        for entry in detail.modules {
            Output.line("    \(Output.safe(entry.module)) v\(entry.version)  \(entry.sha256)")
        }
    }
}

/// The JSON shape of `hotload show --release N --json`.
private struct ReleaseJSON: Encodable {
    struct Module: Encodable {
        var module: String
        var version: Int
        var sha256: String
    }

    var release: LogEntryJSON
    var parent: Int64?
    var modules: [Module]

    init(_ detail: ReleaseDetail) {
        release = LogEntryJSON(detail.record)
        parent = detail.record.parent
        modules = detail.modules.map { Module(module: $0.module, version: $0.version, sha256: $0.sha256) }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try release.encode(to: encoder)
        try container.encode(parent, forKey: .parent)  // null for a channel's first release
        try container.encode(modules, forKey: .modules)
    }

    enum CodingKeys: String, CodingKey { case parent, modules }
}
