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

/// Channel names: `[a-z][a-z0-9_-]*`, at most 63 bytes (as the schema checks).
enum ChannelName {
    static func isValid(_ name: String) -> Bool {
        guard let first = name.utf8.first, first >= UInt8(ascii: "a"), first <= UInt8(ascii: "z"),
              name.utf8.count <= 63 else { return false }
        return name.utf8.allSatisfy { b in
            (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
                || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
        }
    }
}
