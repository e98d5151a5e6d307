import CEL
import Foundation
import HotloadModules
import HotloadStore

/// Compiles a release's modules on the node: a full link for the first release, an
/// incremental relink (changed modules and their dependents) afterwards.
struct ReleaseCompiler: Sendable {
    let linker: Linker

    init(host: HostEnvironment, limits: Limits) {
        linker = Linker(host: host, limits: limits)
    }

    /// The display path of a module in diagnostics.
    static func path(of module: String) -> String { module + ".hl" }

    static func source(module: String, text: String) -> ModuleSource {
        ModuleSource(name: module, path: path(of: module), text: text)
    }

    /// The stack of the threads `onOwnThread` starts: the compiler's recursion is bounded
    /// by `Limits.maxNestingDepth`, and debug builds need about 1 MiB at the default.
    static let threadStackSize = 8 << 20

    /// Runs `body` on a new thread and returns its result.
    static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { done in
            let thread = Thread { done.resume(returning: body()) }
            thread.stackSize = threadStackSize
            thread.start()
        }
    }

    /// Links all `sources` from scratch under the node's limits (`Limits.maxLinkCost` bounds
    /// the work of lets and folding deterministically), refusing a release that takes longer
    /// than `timeLimit` (the wall-clock backstop, E412).
    func link(_ sources: [ModuleSource], timeLimit: Duration) -> Result<Snapshot, CompileFailure> {
        do {
            return .success(try linker.link(sources, timeLimit: timeLimit))
        } catch {
            return .failure(CompileFailure(error))
        }
    }

    /// Relinks `previous` with `changed` sources and without `removed` modules, as `link`
    /// decides for the same modules, refusing a release that takes longer than `timeLimit`.
    func relink(_ previous: Snapshot, changed: [ModuleSource], removed: [String],
                timeLimit: Duration) -> Result<Snapshot, CompileFailure> {
        do {
            return .success(try linker.relink(previous, changed: changed, removed: removed, timeLimit: timeLimit))
        } catch {
            return .failure(CompileFailure(error))
        }
    }
}

/// Why a release did not compile on the node, as located errors.
struct CompileFailure: Error, Sendable {
    var errors: [NodeError]

    init(_ error: CompileError) {
        errors = error.diagnostics.filter { $0.severity == .error }.map { diagnostic in
            NodeError(module: diagnostic.file, line: diagnostic.location.line, column: diagnostic.location.column,
                      code: diagnostic.code, message: diagnostic.message)
        }
        if errors.isEmpty { errors = [NodeError(message: "the release failed to compile")] }
    }
}
