import CEL
import Foundation
import HotloadModules
import HotloadStore

/// The compile check of push, rm and rollback: links the would-be module set with the
/// module layer's linker, under the limits nodes link with (`Limits.default`, as
/// `NodeConfiguration.limits` by default), and returns every diagnostic. So a release that
/// nodes would refuse for a limit, the link's cost budget (E413) included, is refused here.
enum ModuleCheck {
    static func checker(host: HostEnvironment = HostEnvironment()) -> PushChecker {
        { modules in
            let sources = modules.map { ModuleSource(name: $0.name, path: $0.path, text: $0.text) }
            do throws(CompileError) {
                _ = try Linker(host: host, limits: .default).link(sources)
                return []
            } catch {
                return error.diagnostics
            }
        }
    }

    /// Host declarations from `--host FILE`, else `$HOTLOAD_HOST_DECLARATIONS`, else none.
    static func hostEnvironment(path: String?) throws -> HostEnvironment {
        guard let file = path ?? ProcessInfo.processInfo.environment["HOTLOAD_HOST_DECLARATIONS"], !file.isEmpty else {
            return HostEnvironment()
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw HostDeclarationsError(file: file, message: "cannot read file")
        }
        return try HostEnvironment(declarationsJSON: [UInt8](data), file: file)
    }
}
