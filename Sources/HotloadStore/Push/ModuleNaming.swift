import HotloadModules

/// The store's view of module names and imports, delegated to the module layer so that
/// push, prune and the checks agree with the language exactly.
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

    /// The modules a source imports, in order of appearance.
    static func imports(of file: ModuleFile) -> [String] {
        ModuleParser.imports(in: ModuleSource(name: file.name, path: file.path, text: file.text))
    }
}
