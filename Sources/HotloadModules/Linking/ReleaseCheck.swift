import CEL

/// The compile check of a would-be release (`hotload push`, `rm`, `rollback`): links the
/// channel's complete would-be module set with the host's declarations, under the limits
/// nodes link with (`Limits.default` unless the nodes are configured otherwise), and
/// keeps the problems the change is responsible for. So a release that nodes would refuse
/// (a limit and the link's cost budget, E413, included) is refused before it is written.
package struct ReleaseCheck: Sendable {
    package let linker: Linker

    package init(host: HostEnvironment = .init(), limits: Limits = .default) {
        linker = Linker(host: host, limits: limits)
    }

    /// What the check found.
    package struct Outcome: Sendable {
        /// The modules compiled for the change: the changed ones and every module that
        /// imports one of them, directly or not, sorted.
        package var checked: [String]
        /// The problems of the checked modules, those of no module, and E413 wherever the
        /// link ran out of its cost budget (all modules share it, so the change may have
        /// made it run out in a module it did not touch). Empty when the release may go out.
        package var diagnostics: [Diagnostic]
    }

    /// Checks the would-be module set `modules` after `changed` modules were added or
    /// modified and `deleted` ones removed (those are not in `modules`). Problems of
    /// untouched modules that the change does not reach are old ones, and are not reported.
    package func run(_ modules: [ModuleSource], changed: Set<String>, deleted: Set<String>) -> Outcome {
        let checked = ImportGraph(modules).dependents(of: changed.union(deleted)).subtracting(deleted)
        let paths = Dictionary(modules.map { ($0.name, $0.path) }, uniquingKeysWith: { first, _ in first })
        let checkedPaths = Set(checked.compactMap { paths[$0] })
        let knownPaths = Set(paths.values)
        let diagnostics = linker.diagnostics(modules).filter {
            checkedPaths.contains($0.file) || !knownPaths.contains($0.file) || $0.code == ModuleErrorCode.linkCostExceeded
        }
        return Outcome(checked: checked.sorted(), diagnostics: diagnostics)
    }
}

extension Linker {
    /// Links `sources` and returns every diagnostic, none when they link.
    package func diagnostics(_ sources: [ModuleSource]) -> [Diagnostic] {
        do {
            _ = try link(sources)
            return []
        } catch {
            return error.diagnostics
        }
    }
}
