import Foundation

/// Reads module files from disk: `.hl` files under directories (recursively) or named
/// one by one, each named by its path relative to a root without the extension.
public enum ModuleFiles {
    /// Largest module file accepted, in bytes.
    public static let maxFileBytes = 1 << 20

    /// Loads modules from `paths`.
    ///
    /// A directory path is its own root unless `root` is given; a file path is named
    /// relative to `root`, else to the current directory. Results are sorted by name.
    public static func load(_ paths: [String], root: String? = nil) throws(ModuleFilesError) -> [ModuleSource] {
        let fm = FileManager.default
        var byName: [String: ModuleSource] = [:]
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ModuleFilesError(path: path, message: "no such file or directory")
            }
            let files: [String]
            let base: String
            if isDirectory.boolValue {
                base = root ?? path
                files = try hlFiles(under: path)
            } else {
                guard path.hasSuffix(".hl") else {
                    throw ModuleFilesError(path: path, message: "not a module file (modules end in .hl)")
                }
                base = root ?? fm.currentDirectoryPath
                files = [path]
            }
            for file in files {
                let source = try read(file, relativeTo: base)
                if let other = byName[source.name], other.path != source.path {
                    throw ModuleFilesError(path: file, message: "module '\(source.name)' is also given by \(other.path)")
                }
                byName[source.name] = source
            }
        }
        return byName.values.sorted { $0.name < $1.name }
    }

    /// All `.hl` files below `directory`, sorted.
    private static func hlFiles(under directory: String) throws(ModuleFilesError) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else {
            throw ModuleFilesError(path: directory, message: "cannot read directory")
        }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            if relative.hasSuffix(".hl") { files.append((directory as NSString).appendingPathComponent(relative)) }
        }
        return files.sorted()
    }

    private static func read(_ file: String, relativeTo base: String) throws(ModuleFilesError) -> ModuleSource {
        let absoluteFile = URL(fileURLWithPath: file).standardizedFileURL.path
        var absoluteBase = URL(fileURLWithPath: base).standardizedFileURL.path
        if !absoluteBase.hasSuffix("/") { absoluteBase += "/" }
        guard absoluteFile.hasPrefix(absoluteBase) else {
            throw ModuleFilesError(path: file, message: "is not under the root \(base)")
        }
        let relative = String(absoluteFile.dropFirst(absoluteBase.count))
        let name: String
        do {
            name = try ModuleName.fromRelativePath(relative)
        } catch {
            throw ModuleFilesError(path: file, message: "\(error)")
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ModuleFilesError(path: file, message: "cannot read file")
        }
        guard data.count <= maxFileBytes else {
            throw ModuleFilesError(path: file, message: "file is \(data.count) bytes; modules are limited to \(maxFileBytes)")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ModuleFilesError(path: file, message: "file is not valid UTF-8")
        }
        return ModuleSource(name: name, path: file, text: text)
    }
}

/// A module file that cannot be loaded, with the path and the reason.
public struct ModuleFilesError: Error, Sendable, CustomStringConvertible {
    /// The registry's code for every such error: `ModuleErrorCode.unloadableFile` (E300).
    public var code: String { ModuleErrorCode.unloadableFile }
    public var path: String
    public var message: String
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "\(path): \(message)" }
}
