import Foundation

/// The modules found under the paths given to `hotload push`.
package struct CollectedModules: Sendable {
    /// The modules, sorted by name.
    package var modules: [ModuleFile]
    /// True when every path was a directory (a complete tree, so `--prune` is meaningful).
    package var onlyDirectories: Bool
}

/// Reads `.hl` files from disk into `ModuleFile`s named by their path relative to a root.
package enum ModuleCollector {
    /// Collects modules from directories (every `.hl` file below, named relative to that
    /// directory; hidden entries are skipped) and single `.hl` files (named relative to
    /// `root`, default the current directory).
    package static func collect(paths: [String], root: String? = nil) throws -> CollectedModules {
        let fm = FileManager.default
        var byName: [String: ModuleFile] = [:]
        var onlyDirectories = true
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw StoreError.unreadableFile(path: path, reason: "no such file or directory")
            }
            let found: [(name: String, path: String)]
            if isDirectory.boolValue {
                found = try modulesBelow(directory: path)
            } else {
                onlyDirectories = false
                found = [try moduleForFile(path, root: root ?? fm.currentDirectoryPath)]
            }
            for item in found {
                let file = ModuleFile(name: item.name, path: item.path, text: try readText(item.path))
                if let other = byName[item.name], other.path != item.path {
                    throw StoreError.duplicateModule(item.name, paths: [other.path, item.path])
                }
                byName[item.name] = file
            }
        }
        return CollectedModules(modules: byName.values.sorted { $0.name < $1.name },
                                onlyDirectories: onlyDirectories)
    }

    private static func modulesBelow(directory: String) throws -> [(name: String, path: String)] {
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: directory) else {
            throw StoreError.unreadableFile(path: directory, reason: "cannot list the directory")
        }
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        var result: [(name: String, path: String)] = []
        while let relative = walker.nextObject() as? String {
            let last = relative.split(separator: "/").last.map(String.init) ?? relative
            let full = prefix + relative
            var isDirectory: ObjCBool = false
            _ = fm.fileExists(atPath: full, isDirectory: &isDirectory)
            if last.hasPrefix(".") {
                if isDirectory.boolValue { walker.skipDescendants() }
                continue
            }
            guard !isDirectory.boolValue, relative.hasSuffix(".hl") else { continue }
            guard let name = ModuleNaming.name(fromRelativePath: relative) else {
                throw StoreError.invalidModuleName(String(relative.dropLast(3)), path: full)
            }
            result.append((name: name, path: full))
        }
        return result
    }

    private static func moduleForFile(_ path: String, root: String) throws -> (name: String, path: String) {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var rootPath = URL(fileURLWithPath: root).standardizedFileURL.path
        if !rootPath.hasSuffix("/") { rootPath += "/" }
        guard absolute.hasPrefix(rootPath) else {
            throw StoreError.fileOutsideRoot(path: path, root: root)
        }
        let relative = String(absolute.dropFirst(rootPath.count))
        guard relative.hasSuffix(".hl") else {
            throw StoreError.unreadableFile(path: path, reason: "not a module file (modules end in .hl)")
        }
        guard let name = ModuleNaming.name(fromRelativePath: relative) else {
            throw StoreError.invalidModuleName(String(relative.dropLast(3)), path: path)
        }
        return (name: name, path: path)
    }

    /// Reads a file as exact UTF-8 text; other encodings and NUL bytes are refused because
    /// PostgreSQL text cannot hold them unchanged.
    static func readText(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StoreError.unreadableFile(path: path, reason: "cannot read the file")
        }
        let bytes = [UInt8](data)
        guard !bytes.contains(0) else {
            throw StoreError.unreadableFile(path: path, reason: "contains a NUL byte; module sources are text")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw StoreError.unreadableFile(path: path, reason: "is not valid UTF-8; save it as UTF-8")
        }
        return text
    }
}
