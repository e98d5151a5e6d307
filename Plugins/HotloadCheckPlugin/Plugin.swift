import Foundation
import PackagePlugin

/// Checks a target's `.hl` script modules on every build.
///
/// Every `.hl` file under the target's directory is a module. Its name is its path,
/// without the extension, relative to the target's top folder that holds it
/// (`rules/billing/pricing.hl` → `billing/pricing`). The modules of each top folder are
/// compiled and linked together offline by `hotload-check`, which prints diagnostics in the
/// compiler's `file:line:col: error: message` format so that they show up in the
/// build log and in editors like any other compile error. A broken module fails the
/// build.
@main
struct HotloadCheckPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let root = target.directoryURL
        // Scripts are usually resources copied as a folder (`.copy("rules")`), which
        // `sourceFiles` lists as one entry: walk the target's folder instead.
        var scripts: [URL] = []
        if let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) {
            for case let url as URL in walker where url.pathExtension == "hl" { scripts.append(url) }
        }
        scripts.sort { $0.path < $1.path }
        guard !scripts.isEmpty else { return [] }

        // Module names are relative to the top folder holding the scripts
        // (`rules/billing/pricing.hl` → `billing/pricing`), or to the target's folder
        // for scripts directly in it. Each such set of modules is linked on its own.
        var groups: [String: [URL]] = [:]
        for script in scripts {
            let relative = script.path.dropFirst(root.path.count).split(separator: "/")
            let top = relative.count > 1 ? String(relative[0]) : ""
            groups[top, default: []].append(script)
        }
        return try groups.keys.sorted().map { top in
            let groupRoot = top.isEmpty ? root : root.appending(path: top)
            let files = groups[top] ?? []
            // SwiftPM only runs build commands whose outputs the target consumes, so the
            // tool writes a (comment-only) Swift file that is compiled into the target.
            let stamp = context.pluginWorkDirectoryURL.appending(path: "HotloadChecked_\(top.isEmpty ? "root" : top).swift")
            return .buildCommand(
                displayName: "Checking \(files.count) Hotload module(s) of \(target.name)",
                executable: try context.tool(named: "hotload-check").url,
                arguments: ["--root", groupRoot.path, "--format", "compiler", "--stamp", stamp.path]
                    + files.map(\.path),
                inputFiles: files,
                outputFiles: [stamp]
            )
        }
    }
}
