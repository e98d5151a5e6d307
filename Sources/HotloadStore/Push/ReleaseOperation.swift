/// What an operation that creates a release asks for; turned into concrete changes
/// against the channel's state while the channel row is locked.
enum ReleaseOperation: Sendable {
    case push(modules: [ModuleFile], prune: Bool)
    case remove([String])
    case rollbackModule(String, version: Int)
    case rollbackRelease(Int64)
}

/// One change a release will make.
struct PlannedChange: Sendable {
    enum Target: Sendable {
        /// New content (a new revision, or an identical existing one reused).
        case source(ModuleFile)
        /// An existing revision.
        case version(Int)
        case delete
    }

    var module: String
    var target: Target
    var action: ChangeAction
}
