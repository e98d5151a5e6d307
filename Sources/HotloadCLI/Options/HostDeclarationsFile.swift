import Foundation
import HotloadModules

/// The host declarations `check`, `push`, `rm` and `rollback` check modules against.
enum HostDeclarationsFile {
    /// Host declarations from `--host FILE`, else `$HOTLOAD_HOST_DECLARATIONS`, else none.
    static func environment(path: String?) throws -> HostEnvironment {
        guard let file = path ?? ProcessInfo.processInfo.environment["HOTLOAD_HOST_DECLARATIONS"], !file.isEmpty else {
            return HostEnvironment()
        }
        return try HostEnvironment(declarationsJSON: try InputFile.read(file, maxBytes: InputFile.maxDeclarationBytes),
                                   file: file)
    }
}
