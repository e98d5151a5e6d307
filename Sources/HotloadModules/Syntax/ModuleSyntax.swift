import CEL

/// A parsed module file: its imports, lets and functions in source order.
package struct ModuleSyntax: Sendable {
    package var imports: [ImportDecl]
    package var lets: [LetDecl]
    package var functions: [FnDecl]
    /// The file as a CEL `Source` (named by the module's display path); every offset in
    /// the declarations and their expressions indexes into it.
    package var source: Source

    package init(imports: [ImportDecl], lets: [LetDecl], functions: [FnDecl], source: Source) {
        self.imports = imports
        self.lets = lets
        self.functions = functions
        self.source = source
    }
}

/// `import billing/tax` or `import billing/tax as t`.
package struct ImportDecl: Sendable, Hashable {
    /// The imported module's name, e.g. `billing/tax`.
    package var path: String
    /// The name it is known by in the importing module: the last path segment unless
    /// renamed with `as`.
    package var alias: String
    /// Byte offset of the module path (after `import`).
    package var offset: Int32

    package init(path: String, alias: String, offset: Int32) {
        self.path = path
        self.alias = alias
        self.offset = offset
    }
}

/// `let NAME = EXPR`: a value computed once per link.
package struct LetDecl: Sendable {
    package var name: String
    package var expr: Expr
    /// Byte offset of the name.
    package var offset: Int32

    package init(name: String, expr: Expr, offset: Int32) {
        self.name = name
        self.expr = expr
        self.offset = offset
    }
}

/// `fn NAME(P1, P2) = EXPR`.
package struct FnDecl: Sendable {
    /// A parameter name and the byte offset where it is written.
    package struct Parameter: Sendable, Hashable {
        package var name: String
        package var offset: Int32
        package init(name: String, offset: Int32) {
            self.name = name
            self.offset = offset
        }
    }

    package var name: String
    package var params: [Parameter]
    package var body: Expr
    /// Byte offset of the name.
    package var offset: Int32

    package init(name: String, params: [Parameter], body: Expr, offset: Int32) {
        self.name = name
        self.params = params
        self.body = body
        self.offset = offset
    }
}
