extension Store {
    /// Pushes local modules as one release. Unchanged modules are skipped; with no change
    /// at all no release is created (`PushResult.isNoChange`). Any diagnostic from the check
    /// refuses the whole push and nothing is written.
    public func push(_ request: PushRequest) async throws -> PushResult {
        for file in request.modules where !ModuleNaming.isValid(file.name) {
            throw StoreError.invalidModuleName(file.name, path: file.path)
        }
        var seen: [String: String] = [:]
        for file in request.modules {
            if let other = seen[file.name] {
                throw StoreError.duplicateModule(file.name, paths: [other, file.path])
            }
            seen[file.name] = file.path
        }
        return try await commit(.push(modules: request.modules, prune: request.prune), request.options)
    }

    /// Deletes modules from a channel as one release (refused while a remaining module imports one).
    public func remove(_ modules: [String], options: ReleaseOptions) async throws -> PushResult {
        guard !modules.isEmpty else { throw StoreError.invalidRequest("name at least one module to remove") }
        return try await commit(.remove(modules), options)
    }

    /// A new release that sets `module` back to an earlier version; the past stays in the log.
    public func rollback(module: String, to version: Int, options: ReleaseOptions) async throws -> PushResult {
        try await commit(.rollbackModule(module, version: version), options)
    }

    /// A new release that restores the channel's whole module set as of `release`.
    public func rollback(release: Int64, options: ReleaseOptions) async throws -> PushResult {
        try await commit(.rollbackRelease(release), options)
    }
}
