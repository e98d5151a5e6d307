import Foundation
import PQ

/// The `manifest.json` written by `hotload export`.
public struct ExportManifest: Sendable, Codable, Hashable {
    public struct Entry: Sendable, Codable, Hashable {
        public var module: String
        public var version: Int
        public var sha256: String
        /// The file, relative to the export directory.
        public var path: String
    }

    public var channel: String
    public var release: Int64
    public var modules: [Entry]
}

/// What `export` wrote.
public struct ExportResult: Sendable {
    public var directory: String
    public var manifest: ExportManifest
    /// Files of a previous export of the same directory that were removed because their
    /// module is no longer in the release.
    public var removed: [String]
}

extension Store {
    /// Writes the modules of a release (default: the channel's head) to `directory` as
    /// `.hl` files plus `manifest.json` (names, versions, SHA-256), for review in git.
    /// Files listed by an earlier export's manifest that are no longer in the release are removed;
    /// nothing else in the directory is touched.
    public func export(to directory: String, release: Int64? = nil, channel: String = "main") async throws
        -> ExportResult
    {
        let (releaseChannel, at, revisions) = try await run(needs: .reader) {
            let (releaseChannel, at) = try await resolveRelease(release, channel: channel)
            let state = try await Queries.state(connection, channel: releaseChannel, release: at)
            let keys = state.values.sorted { $0.module < $1.module }
                .map { ModuleVersion(module: $0.module, version: $0.version) }
            return (releaseChannel, at, try await Queries.revisions(connection, keys))
        }
        let manifest = ExportManifest(channel: releaseChannel, release: at, modules: revisions.map {
            ExportManifest.Entry(module: $0.module, version: $0.version, sha256: $0.sha256, path: $0.module + ".hl")
        })
        let fm = FileManager.default
        let root = URL(fileURLWithPath: directory, isDirectory: true)
        let manifestURL = root.appendingPathComponent("manifest.json")
        var removed: [String] = []
        do {
            try fm.createDirectory(at: root, withIntermediateDirectories: true)
            if let data = fm.contents(atPath: manifestURL.path),
               let previous = try? JSONDecoder().decode(ExportManifest.self, from: data) {
                let keep = Set(manifest.modules.map(\.path))
                for entry in previous.modules where !keep.contains(entry.path)
                    && ModuleNaming.name(fromRelativePath: entry.path) != nil {
                    let url = root.appendingPathComponent(entry.path)
                    if fm.fileExists(atPath: url.path) {
                        try fm.removeItem(at: url)
                        removed.append(entry.path)
                    }
                }
            }
            for revision in revisions {
                let url = root.appendingPathComponent(revision.module + ".hl")
                try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(revision.source.utf8).write(to: url, options: .atomic)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            var json = try encoder.encode(manifest)
            json.append(UInt8(ascii: "\n"))
            try json.write(to: manifestURL, options: .atomic)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.fileSystem(path: directory, reason: "\(error.localizedDescription)")
        }
        return ExportResult(directory: directory, manifest: manifest, removed: removed)
    }
}
