import Foundation

/// The last good release of a channel on disk, for starting while the database is
/// unreachable. One JSON file per channel, replaced atomically after every apply.
struct ReleaseCache: Sendable {
    struct Module: Codable, Sendable {
        var module: String
        var version: Int64
        var sha256: String
        var source: String
    }

    struct Contents: Codable, Sendable {
        var release: Int64
        var channel: String
        var modules: [Module]
    }

    let directory: String

    private func file(channel: String) -> URL {
        URL(fileURLWithPath: directory, isDirectory: true).appendingPathComponent("\(channel).release.json")
    }

    /// Stores `release` (creating the directory if needed).
    func save(_ release: LoadedRelease) throws {
        let modules = release.entries.values.sorted { $0.module < $1.module }.compactMap { entry -> Module? in
            guard let source = release.sources[entry.module] else { return nil }
            return Module(module: entry.module, version: entry.version, sha256: entry.sha256, source: source.text)
        }
        let contents = Contents(release: release.release, channel: release.channel, modules: modules)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let data = try JSONEncoder().encode(contents)
        try data.write(to: file(channel: release.channel), options: .atomic)
    }

    /// The cached release of `channel`, nil when there is none.
    func load(channel: String) throws -> Contents? {
        let url = file(channel: channel)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let contents = try JSONDecoder().decode(Contents.self, from: Data(contentsOf: url))
        guard contents.channel == channel else { return nil }
        return contents
    }
}
