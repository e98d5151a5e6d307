import CEL
import HotloadModules
import HotloadStore

/// The compile check of push, rm and rollback: links the would-be module set with the
/// module layer's linker and returns every diagnostic.
enum ModuleCheck {
    static func checker() -> PushChecker {
        { modules in
            let sources = modules.map { ModuleSource(name: $0.name, path: $0.path, text: $0.text) }
            do throws(CompileError) {
                _ = try Linker().link(sources)
                return []
            } catch {
                return error.diagnostics
            }
        }
    }
}
