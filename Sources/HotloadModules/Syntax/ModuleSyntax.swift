import CEL

/// A parsed module file: its imports, lets and functions in source order.
public struct ModuleSyntax: Sendable {
    public var imports: [ImportDecl]
    public var lets: [LetDecl]
    public var functions: [FnDecl]
    /// The file as a CEL `Source` (named by the module's display path); every offset in
    /// the declarations and their expressions indexes into it.
    public var source: Source

    public init(imports: [ImportDecl], lets: [LetDecl], functions: [FnDecl], source: Source) {
        self.imports = imports
        self.lets = lets
        self.functions = functions
        self.source = source
    }
}

/// `import billing/tax` or `import billing/tax as t`.
public struct ImportDecl: Sendable, Hashable {
    /// The imported module's name, e.g. `billing/tax`.
    public var path: String
    /// The name it is known by in the importing module: the last path segment unless
    /// renamed with `as`.
    public var alias: String
    /// Byte offset of the module path (after `import`).
    public var offset: Int32

    public init(path: String, alias: String, offset: Int32) {
        self.path = path
        self.alias = alias
        self.offset = offset
    }
}

/// `let NAME = EXPR`: a value computed once per link.
public struct LetDecl: Sendable {
    public var name: String
    public var expr: Expr
    /// Byte offset of the name.
    public var offset: Int32

    public init(name: String, expr: Expr, offset: Int32) {
        self.name = name
        self.expr = expr
        self.offset = offset
    }
}

/// `fn NAME(P1, P2) = EXPR`.
public struct FnDecl: Sendable {
    /// A parameter name and the byte offset where it is written.
    public struct Parameter: Sendable, Hashable {
        public var name: String
        public var offset: Int32
        public init(name: String, offset: Int32) {
            self.name = name
            self.offset = offset
        }
    }

    public var name: String
    public var params: [Parameter]
    public var body: Expr
    /// Byte offset of the name.
    public var offset: Int32

    public init(name: String, params: [Parameter], body: Expr, offset: Int32) {
        self.name = name
        self.params = params
        self.body = body
        self.offset = offset
    }
}
