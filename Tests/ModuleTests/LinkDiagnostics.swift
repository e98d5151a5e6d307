import CEL
import HotloadModules

/// The diagnostics that refuse linking `sources`; empty when they link.
func linkDiagnostics(_ sources: [ModuleSource], limits: Limits = .default,
                     timeLimit: Duration? = nil) -> [Diagnostic] {
    do {
        _ = try Linker(limits: limits).link(sources, timeLimit: timeLimit)
        return []
    } catch {
        return error.diagnostics
    }
}
