import Foundation
import PackagePlugin

/// Checks a target's `.hl` script modules on every build.
///
/// Every `.hl` file under the target's directory is a module; its name is its path
/// relative to that directory without the extension. The modules are compiled and
/// linked together offline by `hotload-check`, which prints diagnostics in the
/// compiler's `file:line:col: error: message` format so that they show up in the
/// build log and in editors like any other compile error. A broken module fails the
/// build.
@main
struct HotloadCheckPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let root = target.directoryURL
        let scripts = target.sourceFiles
            .map(\.url)
            .filter { $0.pathExtension == "hl" }
            .sorted { $0.path < $1.path }
        guard !scripts.isEmpty else { return [] }
        let stamp = context.pluginWorkDirectoryURL.appending(path: "hotload-check.stamp")
        return [
            .buildCommand(
                displayName: "Checking \(scripts.count) Hotload module(s) of \(target.name)",
                executable: try context.tool(named: "hotload-check").url,
                arguments: ["--root", root.path, "--format", "compiler", "--stamp", stamp.path]
                    + scripts.map(\.path),
                inputFiles: scripts,
                outputFiles: [stamp]
            ),
        ]
    }
}
