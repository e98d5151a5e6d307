/// A function with one or more overloads, as known to the checker and the planner.
public struct FunctionDecl: Sendable {
    public var name: String
    public var overloads: [Overload]
    public init(name: String, overloads: [Overload]) {
        self.name = name
        self.overloads = overloads
    }
}

/// One signature of a function and what runs it.
public struct Overload: Sendable {
    /// A stable id, such as `add_int64` or `string_contains_string`.
    public var id: String
    /// `true` for receiver-style calls: `s.contains(x)` has params `[string, string]`.
    public var isInstance: Bool
    public var params: [CELType]
    public var result: CELType
    /// Strict overloads never see error arguments: the first error argument is the result.
    /// Non-strict ones receive errors and decide themselves.
    public var isStrict: Bool
    public var implementation: Implementation
    /// How a call is charged to the evaluation's cost budget beyond its node's unit. The
    /// library sets it; host functions stay `.constant` (their work is the host's).
    var cost: CallCost = .constant
    /// An implementation that spends the evaluation's remaining budget itself, for one- or
    /// two-argument overloads; called instead of `implementation` inside an evaluation (which
    /// then serves direct calls).
    var metered: MeteredImplementation?
    /// As `metered`, for overloads of any arity (`regex.replace`).
    var meteredArguments: MeteredArgumentsImplementation?
    /// Given the arguments of a call that are constants (nil for the others), a metered
    /// implementation with the work they allow done once, at plan time (the `regex.*`
    /// functions compile a constant pattern); nil to keep the general implementation.
    var prepared: (@Sendable (_ constants: [Value?]) -> MeteredArgumentsImplementation?)?

    public init(id: String, isInstance: Bool = false, params: [CELType], result: CELType,
                isStrict: Bool = true, implementation: Implementation) {
        self.id = id
        self.isInstance = isInstance
        self.params = params
        self.result = result
        self.isStrict = isStrict
        self.implementation = implementation
    }
}

/// The Swift code behind an overload. Arguments arrive in order, the receiver first.
public enum Implementation: Sendable {
    case unary(@Sendable (Value) -> Value)
    case binary(@Sendable (Value, Value) -> Value)
    case ternary(@Sendable (Value, Value, Value) -> Value)
    case variadic(@Sendable ([Value]) -> Value)
}

/// An implementation that receives the cost units left in the evaluation (`budget`),
/// subtracts what it spends and returns `Frame.costExceeded` when they run out. A
/// one-argument overload receives `.null` as `b`.
typealias MeteredImplementation = @Sendable (_ a: Value, _ b: Value, _ budget: inout Int) -> Value

/// A metered implementation taking its arguments (the receiver first) as an array.
typealias MeteredArgumentsImplementation = @Sendable (_ args: [Value], _ budget: inout Int) -> Value

/// How a call of an overload is charged to the cost budget (`Limits.maxCost`).
enum CallCost: Sendable {
    /// Constant work: the call node's unit covers it.
    case constant
    /// Work in proportion to what the call reads and builds: the sizes of the arguments
    /// (`Value.costUnits`) are charged before the call, so that a call the budget cannot
    /// cover never runs, and the size of the result after it.
    case linear
}

extension Overload {
    /// This overload charged by `cost`.
    func charged(_ cost: CallCost) -> Overload {
        var copy = self
        copy.cost = cost
        return copy
    }

    /// This overload with a metered implementation (used inside evaluations).
    func metered(_ implementation: @escaping MeteredImplementation) -> Overload {
        var copy = self
        copy.metered = implementation
        return copy
    }

    /// This overload with a plan-time preparation for constant arguments (see `prepared`).
    func prepared(_ prepare: @escaping @Sendable (_ constants: [Value?]) -> MeteredArgumentsImplementation?) -> Overload {
        var copy = self
        copy.prepared = prepare
        return copy
    }

    /// This overload with a metered implementation of any arity (used inside evaluations).
    func metered(arguments implementation: @escaping MeteredArgumentsImplementation) -> Overload {
        var copy = self
        copy.meteredArguments = implementation
        return copy
    }
}

extension Value {
    /// The cost of reading or building this value: bytes of a string or bytes value,
    /// elements of a list or entries of a map (not counting nested values), else 0.
    @inline(__always)
    var costUnits: Int {
        switch self {
        case .string(let s): return s.utf8.count
        case .bytes(let b): return b.count
        case .list(let l): return l.count
        case .map(let m): return m.count
        default: return 0
        }
    }
}
