import ArgumentParser
import HotloadStore

/// `hotload modules`: the modules at a channel's head.
struct Modules: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modules", abstract: "List the modules at the head of a channel.")

    @Option(help: "The channel.")
    var channel: String = "main"

    @OptionGroup var output: JSONOutputOption
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await reportingErrors {
            let (head, modules) = try await connection.withStore { store in
                (try await store.head(channel: channel), try await store.modules(channel: channel))
            }
            if output.json {
                try Output.json(ModulesJSON(channel: channel, release: head, modules: modules.map(ModulesJSON.Entry.init)))
                return
            }
            guard let head else {
                Output.line("channel \(channel) has no release yet")
                return
            }
            Output.line("channel \(channel) at release \(head): \(modules.count) module\(modules.count == 1 ? "" : "s")")
            let width = modules.map(\.module.count).max() ?? 0
            for module in modules {
                Output.line("  \(module.module.padding(width))  v\(String(module.version).padding(4)) "
                            + "\(String(module.sha256.prefix(12)))  \(module.bytes) bytes  release \(module.release)")
            }
        }
    }
}

/// The JSON shape of `hotload modules --json`.
struct ModulesJSON: Encodable {
    struct Entry: Encodable {
        var module: String
        var version: Int
        var sha256: String
        var bytes: Int
        var release: Int64
        var author: String
        var created_at: String

        init(_ info: ModuleInfo) {
            module = info.module
            version = info.version
            sha256 = info.sha256
            bytes = info.bytes
            release = info.release
            author = info.author
            created_at = Output.timestamp(info.createdAt)
        }
    }

    var channel: String
    var release: Int64?
    var modules: [Entry]

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(channel, forKey: .channel)
        try container.encode(release, forKey: .release)  // null for an empty channel
        try container.encode(modules, forKey: .modules)
    }

    enum CodingKeys: String, CodingKey { case channel, release, modules }
}
