/// The abstract syntax tree, shaped like cel-go's: operators are calls with the
/// standard operator names below, macros are expanded into `Comprehension`s (or
/// `select(testOnly:)` for `has`), and every node has an id and a byte offset.
public struct Expr: Sendable {
    /// Unique within one parse (ids start at 1).
    public var id: Int32
    /// Byte offset of the node's significant token in `Source.utf8`.
    public var offset: Int32
    public var kind: Kind

    public init(id: Int32, offset: Int32, kind: Kind) {
        self.id = id
        self.offset = offset
        self.kind = kind
    }

    public indirect enum Kind: Sendable {
        case literal(Constant)
        /// A simple or (before checking) possibly qualified name's first segment.
        case ident(String)
        /// `operand.field`; `testOnly` for `has(operand.field)`.
        case select(operand: Expr, field: String, testOnly: Bool)
        /// A global call (`target == nil`) or a receiver call `target.function(args)`.
        case call(target: Expr?, function: String, args: [Expr])
        /// `[a, ?b]`: `optionalIndices` lists elements written with `?`.
        case list(elements: [Expr], optionalIndices: [Int])
        /// `{k: v, ?k2: v2}`.
        case map(entries: [MapEntry])
        case comprehension(Comprehension)
    }
}

/// A literal value.
public enum Constant: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case string(String)
    case bytes([UInt8])
}

public struct MapEntry: Sendable {
    public var id: Int32
    public var key: Expr
    public var value: Expr
    public var optional: Bool
    public init(id: Int32, key: Expr, value: Expr, optional: Bool) {
        self.id = id
        self.key = key
        self.value = value
        self.optional = optional
    }
}

/// The fold that all macros expand to (as in cel-go):
/// ```
/// accu = accuInit
/// for (iterVar[, iterVar2]) in iterRange {
///     if !loopCondition { break }
///     accu = loopStep
/// }
/// return result
/// ```
/// With one variable, lists bind elements and maps bind keys. With two (`iterVar2`
/// non-nil), lists bind index and element, maps bind key and value.
public struct Comprehension: Sendable {
    public var iterVar: String
    public var iterVar2: String?
    public var iterRange: Expr
    public var accuVar: String
    public var accuInit: Expr
    public var loopCondition: Expr
    public var loopStep: Expr
    public var result: Expr
    public init(iterVar: String, iterVar2: String? = nil, iterRange: Expr, accuVar: String, accuInit: Expr,
                loopCondition: Expr, loopStep: Expr, result: Expr) {
        self.iterVar = iterVar
        self.iterVar2 = iterVar2
        self.iterRange = iterRange
        self.accuVar = accuVar
        self.accuInit = accuInit
        self.loopCondition = loopCondition
        self.loopStep = loopStep
        self.result = result
    }
}

/// The function names that operators parse to (cel-go's spelling).
public enum Operators {
    public static let conditional = "_?_:_"
    public static let logicalAnd = "_&&_"
    public static let logicalOr = "_||_"
    public static let logicalNot = "!_"
    public static let equals = "_==_"
    public static let notEquals = "_!=_"
    public static let less = "_<_"
    public static let lessEquals = "_<=_"
    public static let greater = "_>_"
    public static let greaterEquals = "_>=_"
    public static let add = "_+_"
    public static let subtract = "_-_"
    public static let multiply = "_*_"
    public static let divide = "_/_"
    public static let modulo = "_%_"
    public static let negate = "-_"
    public static let index = "_[_]"
    /// `a[?b]`
    public static let optionalIndex = "_[?_]"
    /// `a.?b`: args are the operand and a string literal with the field name.
    public static let optionalSelect = "_?._"
    public static let `in` = "@in"
    /// Used in the loop condition of `all`/`exists` expansions.
    public static let notStrictlyFalse = "@not_strictly_false"
    /// `@mapInsert(accu, key, value)` (and `@mapInsert(accu, entries)` for
    /// `transformMapEntry`): the step of `transformMap` expansions.
    public static let mapInsert = "@mapInsert"
}

/// The accumulator variable name used by macro expansions (not a valid identifier).
public let accumulatorName = "@result"
