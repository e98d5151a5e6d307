import HotloadModules

/// The store's view of module names, delegated to the module layer so that push and
/// export agree with the language exactly.
enum ModuleNaming {
    /// The module name of a path relative to the push root (`billing/pricing.hl` →
    /// `billing/pricing`), nil if the path does not name a valid module.
    static func name(fromRelativePath path: String) -> String? {
        try? ModuleName.fromRelativePath(path)
    }

    /// Whether `name` is a valid module name.
    static func isValid(_ name: String) -> Bool {
        ModuleName.validate(name)
    }
}
