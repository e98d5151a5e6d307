import CEL

/// The result of compiling and linking module files offline (`hotload check`,
/// `hotload-check` and the build plugin).
package struct CheckReport: Sendable {
    /// Files that could not be read, or whose names are not valid module names.
    package var fileErrors: [ModuleFilesError]
    package var diagnostics: [Diagnostic]
    package var moduleCount: Int

    package var isSuccess: Bool { fileErrors.isEmpty && diagnostics.isEmpty }

    /// Loads and links the modules under `paths`.
    package static func run(paths: [String], root: String? = nil, linker: Linker = Linker()) -> CheckReport {
        let sources: [ModuleSource]
        do {
            sources = try ModuleFiles.load(paths, root: root)
        } catch {
            return CheckReport(fileErrors: [error], diagnostics: [], moduleCount: 0)
        }
        return CheckReport(fileErrors: [], diagnostics: linker.diagnostics(sources), moduleCount: sources.count)
    }

    /// Diagnostics with the source line and a caret, for people.
    package var humanFormat: String {
        (fileErrors.map { "error: \($0)" } + diagnostics.map(\.description))
            .joined(separator: "\n")
    }

    /// One `file:line:col: error: message [CODE]` line per problem, as compilers print them.
    package var compilerFormat: String {
        (fileErrors.map { "\($0.path):1:1: error: \($0.message)" }
            + diagnostics.map { d in
                "\(d.file):\(d.location.line):\(d.location.column): \(d.severity.rawValue): \(d.message) [\(d.code)]"
            })
            .joined(separator: "\n")
    }
}
