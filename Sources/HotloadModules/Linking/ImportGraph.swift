/// Who imports whom in a set of modules: the one place that answers "everything that
/// imports these modules", for the push check (`ReleaseCheck`), `rm`'s refusal to delete
/// an imported module, and `Snapshot.dependents`. `Linker.relink` decides what to
/// recompile with the same `DependencyGraph`.
package struct ImportGraph: Sendable {
    /// `imports[a]`: the modules `a` imports.
    private let imports: [String: [String]]

    /// The graph of modules and the modules each imports.
    package init(imports: [String: [String]]) {
        self.imports = imports
    }

    /// The graph of `sources`, read with `ModuleParser.imports` (no compiling: a module
    /// that does not parse still has the imports the parser found).
    package init(_ sources: [ModuleSource]) {
        var imports: [String: [String]] = [:]
        for source in sources { imports[source.name] = ModuleParser.imports(in: source) }
        self.init(imports: imports)
    }

    /// The modules that import `module` directly, sorted.
    package func importers(of module: String) -> [String] {
        imports.filter { $0.value.contains(module) }.map(\.key).sorted()
    }

    /// `modules` and every module that imports one of them, directly or through others.
    package func dependents(of modules: Set<String>) -> Set<String> {
        var graph = DependencyGraph()
        for (name, imported) in imports {
            graph.addNode(name)
            for target in imported { graph.addEdge(from: name, to: target) }
        }
        return graph.dependents(of: modules)
    }
}
