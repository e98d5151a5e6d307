#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CEL
import Foundation

/// Reads module files from disk: `.hl` files under directories (recursively) or named
/// one by one, each named by its path relative to a root without the extension. The one
/// loader of `hotload check`, `hotload push`, `hotload-check` and the build plugin.
///
/// In a directory tree, entries whose name starts with `.` are skipped (with everything
/// below them) and files not ending in `.hl` are ignored. A module file must be a regular
/// file of at most `maxFileBytes` bytes of UTF-8 text without NUL bytes (a store of text
/// may not hold them unchanged, so a file that checks must also push). A symbolic link inside a tree is followed only to a regular file
/// inside the same tree; links to directories (which could loop), to files outside the
/// tree, and links that do not resolve are refused. Paths given on the command line are
/// taken as they are, links included. One file reached by two paths is one module; two
/// files giving one module name are refused.
public enum ModuleFiles {
    /// Largest module file accepted, in bytes: what the parser accepts under the limits
    /// nodes use by default (`Limits.maxSourceBytes`).
    public static let maxFileBytes = Limits.default.maxSourceBytes

    /// Loads modules from `paths`.
    ///
    /// Module names are relative to `root` when it is given; otherwise a directory path is
    /// its own root and a file path is named relative to the current directory. Results
    /// are sorted by name.
    public static func load(_ paths: [String], root: String? = nil) throws(ModuleFilesError) -> [ModuleSource] {
        try loadTree(paths, root: root).sources
    }

    /// Loads modules from `paths` as `load` does, and tells whether every path was a
    /// directory (a complete tree, so that deleting what it lacks is meaningful).
    package static func loadTree(_ paths: [String], root: String? = nil) throws(ModuleFilesError) -> LoadedModules {
        var byName: [String: (source: ModuleSource, file: String)] = [:]
        var onlyDirectories = true
        for path in paths {
            let files: [String]
            let base: String
            switch try kind(of: path) {
            case .directory:
                base = root ?? path
                files = try hlFiles(under: path)
            case .other:
                onlyDirectories = false
                guard path.hasSuffix("." + ModuleName.fileExtension) else {
                    throw ModuleFilesError(path: path, message: "not a module file (modules end in .hl)")
                }
                base = root ?? FileManager.default.currentDirectoryPath
                files = [path]
            }
            for file in files {
                let name = try moduleName(of: file, relativeTo: base)
                let real = realPath(file) ?? file
                if let other = byName[name] {
                    guard other.file != real else { continue }
                    throw ModuleFilesError(path: file, message: "module '\(name)' is also given by \(other.source.path)")
                }
                byName[name] = (ModuleSource(name: name, path: file, text: try readText(file)), real)
            }
        }
        return LoadedModules(sources: byName.values.map(\.source).sorted { $0.name < $1.name },
                             onlyDirectories: onlyDirectories)
    }

    private enum Kind { case directory, other }

    /// Whether a path given by the caller is a directory (links followed).
    private static func kind(of path: String) throws(ModuleFilesError) -> Kind {
        var info = stat()
        guard stat(path, &info) == 0 else { throw ModuleFilesError(path: path, message: systemMessage(errno)) }
        return info.st_mode & S_IFMT == S_IFDIR ? .directory : .other
    }

    /// The module files below `directory`, sorted.
    private static func hlFiles(under directory: String) throws(ModuleFilesError) -> [String] {
        let tree = realPath(directory) ?? directory
        var files: [String] = []
        var pending = [directory]
        while let current = pending.popLast() {
            let entries: [String]
            do {
                entries = try FileManager.default.contentsOfDirectory(atPath: current)
            } catch {
                throw ModuleFilesError(path: current, message: "cannot list the directory")
            }
            for entry in entries.sorted() where !entry.hasPrefix(".") {
                let path = (current as NSString).appendingPathComponent(entry)
                let isModuleFile = entry.hasSuffix("." + ModuleName.fileExtension)
                var info = stat()
                guard lstat(path, &info) == 0 else { throw ModuleFilesError(path: path, message: systemMessage(errno)) }
                switch info.st_mode & S_IFMT {
                case S_IFDIR:
                    pending.append(path)
                case S_IFREG:
                    if isModuleFile { files.append(path) }
                case S_IFLNK:
                    var target = stat()
                    guard stat(path, &target) == 0 else {
                        if isModuleFile {
                            throw ModuleFilesError(path: path, message: "is a symbolic link that cannot be resolved")
                        }
                        continue
                    }
                    if target.st_mode & S_IFMT == S_IFDIR {
                        throw ModuleFilesError(
                            path: path, message: "is a symbolic link to a directory; links to directories are not followed")
                    }
                    guard isModuleFile else { continue }
                    guard let resolved = realPath(path), resolved.hasPrefix(tree.hasSuffix("/") ? tree : tree + "/") else {
                        throw ModuleFilesError(path: path, message: "is a symbolic link to a file outside \(directory)")
                    }
                    files.append(path)
                default:
                    if isModuleFile { throw ModuleFilesError(path: path, message: "is not a regular file") }
                }
            }
        }
        return files.sorted()
    }

    /// The module name of `file`: its path relative to `base`, without `.hl`.
    private static func moduleName(of file: String, relativeTo base: String) throws(ModuleFilesError) -> String {
        let absoluteFile = URL(fileURLWithPath: file).standardizedFileURL.path
        var absoluteBase = URL(fileURLWithPath: base).standardizedFileURL.path
        if !absoluteBase.hasSuffix("/") { absoluteBase += "/" }
        guard absoluteFile.hasPrefix(absoluteBase) else {
            throw ModuleFilesError(path: file, message: "is not under the root \(base)")
        }
        do {
            return try ModuleName.fromRelativePath(String(absoluteFile.dropFirst(absoluteBase.count)))
        } catch {
            throw ModuleFilesError(path: file, message: error.reason)
        }
    }

    /// The text of a module file: a regular file, at most `maxFileBytes` bytes, UTF-8
    /// without NUL bytes (`BoundedFile`: a FIFO is refused, not waited on).
    private static func readText(_ file: String) throws(ModuleFilesError) -> String {
        let bytes: [UInt8]
        do {
            bytes = try BoundedFile.bytes(at: file, maxBytes: maxFileBytes, kind: "module files")
        } catch {
            throw ModuleFilesError(path: file, message: error.message)
        }
        guard !bytes.contains(0) else {
            throw ModuleFilesError(path: file, message: "contains a NUL byte; module files are text")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ModuleFilesError(path: file, message: "is not valid UTF-8; save it as UTF-8")
        }
        return text
    }

    /// The path with every link resolved, nil when it does not resolve.
    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func systemMessage(_ code: Int32) -> String {
        BoundedFile.systemMessage(code)
    }
}

/// Module files loaded from disk (`ModuleFiles.loadTree`).
package struct LoadedModules: Sendable {
    /// The modules, sorted by name.
    package var sources: [ModuleSource]
    /// True when every path given was a directory.
    package var onlyDirectories: Bool
}

/// A module file that cannot be loaded, with the path and the reason.
public struct ModuleFilesError: Error, Sendable, Hashable, CustomStringConvertible {
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
