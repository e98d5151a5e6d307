/// Where a comprehension variable lives in the frame.
enum LocalRef {
    case slot(Int)
    case cursor(Int)
}

/// Turns a checked expression into a tree of evaluator nodes: variables become slots,
/// comprehension variables local slots, overloads are pre-resolved where the checker knew
/// the types, hot operators get specialised nodes, and pure calls on constants are folded.
struct Planner {
    let checked: CheckedExpr
    let declarations: Declarations
    let limits: Limits
    /// Variable names in slot order.
    private(set) var variableNames: [String]
    private var variableSlots: [String: Int]
    private(set) var shape = FrameShape()
    /// Comprehension variables in scope, innermost last.
    private var scopes: [[String: LocalRef]] = []
    /// Nodes created so far; used for the static cost of loop bodies and functions.
    private(set) var nodeCount = 0
    /// The shared budget folding spends (nil: each fold has `limits.maxCost` of its own).
    private(set) var budget: CostBudget?
    /// Field paths on variables that the expression selects more than once (`pathKey`).
    private let repeatedPaths: Set<String>
    /// The cursor that keeps the address of each repeated path once it is found.
    private var pathCursors: [String: Int] = [:]

    /// `parameters` occupy the first variable slots (compiled functions).
    init(checked: CheckedExpr, declarations: Declarations, limits: Limits, parameters: [String] = [],
         budget: CostBudget? = nil) {
        self.checked = checked
        self.declarations = declarations
        self.limits = limits
        self.budget = budget
        self.variableNames = parameters
        var slots: [String: Int] = [:]
        for (i, p) in parameters.enumerated() { slots[p] = i }
        self.variableSlots = slots
        self.repeatedPaths = Planner.repeatedPaths(in: checked)
    }

    mutating func plan() -> Node { plan(checked.expr) }

    // MARK: - Expressions

    private mutating func plan(_ e: Expr) -> Node {
        nodeCount += 1
        switch e.kind {
        case .literal(let c):
            return ConstNode(Planner.value(of: c), offset: e.offset)
        case .ident(let name):
            if let ref = localRef(name) { return localNode(ref, offset: e.offset) }
            return planReference(e, name: name)
        case .select(let operand, let field, let testOnly):
            if testOnly {
                return fold(HasNode(operand: plan(operand), field: field, offset: e.offset))
            }
            if checked.references[e.id] != nil { return planReference(e, name: field) }
            var fields = [field], offsets = [e.offset]
            var base = operand
            while case .select(let inner, let f, false) = base.kind, checked.references[base.id] == nil {
                fields.append(f)
                offsets.append(base.offset)
                base = inner
                nodeCount += 1
            }
            let operandNode = plan(base)
            let path = FieldPath(fields.reversed(), offsets: offsets.reversed())
            if let v = operandNode as? VariableNode {
                return VariableSelectNode(slot: v.slot, path: path, cache: pathCursor(variableNames[v.slot], fields))
            }
            if let l = operandNode as? LocalNode { return LocalSelectNode(slot: l.slot, path: path) }
            if let c = operandNode as? CursorNode { return CursorSelectNode(cursor: c.cursor, path: path) }
            return fold(SelectNode(operand: operandNode, path: path))
        case .call(let target, let function, let args):
            return planCall(e, target: target, function: function, args: args)
        case .list(let elements, let optionalIndices):
            let nodes = elements.map { plan($0) }
            return fold(ListNode(elements: nodes, optionalIndices: Set(optionalIndices), offset: e.offset))
        case .map(let entries):
            let keys = entries.map { plan($0.key) }
            let values = entries.map { plan($0.value) }
            return fold(MapNode(keys: keys, values: values, optional: entries.map(\.optional), offset: e.offset))
        case .comprehension(let c):
            return planComprehension(e, c)
        }
    }

    /// The overloads of `size` on a list.
    private static func isListSize(_ id: String) -> Bool { id == "size_list" || id == "list_size" }

    /// The key of the path selecting `reversedFields` (innermost last) from `variable`.
    private static func pathKey(_ variable: String, _ reversedFields: [String]) -> String {
        ([variable] + reversedFields.reversed()).joined(separator: "\u{0}")
    }

    /// The cursor caching a path that occurs more than once; nil for a path read once.
    private mutating func pathCursor(_ variable: String, _ reversedFields: [String]) -> Int? {
        let key = Planner.pathKey(variable, reversedFields)
        guard repeatedPaths.contains(key) else { return nil }
        if let cursor = pathCursors[key] { return cursor }
        let cursor = newCursor()
        pathCursors[key] = cursor
        return cursor
    }

    /// The field paths on declared variables that `checked` selects more than once, found
    /// as `plan` finds them (a chain of selections on a variable reference). A comprehension
    /// variable that shadows a declared one is not a variable for `plan`, so counting it
    /// only costs a cursor.
    private static func repeatedPaths(in checked: CheckedExpr) -> Set<String> {
        var seen = Set<String>(), repeated = Set<String>()
        var pending = [checked.expr]
        while let e = pending.popLast() {
            switch e.kind {
            case .literal, .ident:
                break
            case .select(let operand, let field, let testOnly):
                guard !testOnly, checked.references[e.id] == nil else {
                    pending.append(operand)
                    continue
                }
                var fields = [field], base = operand
                while case .select(let inner, let f, false) = base.kind, checked.references[base.id] == nil {
                    fields.append(f)
                    base = inner
                }
                if case .variable(let name)? = checked.references[base.id] {
                    let key = pathKey(name, fields)
                    if !seen.insert(key).inserted { repeated.insert(key) }
                } else {
                    pending.append(base)
                }
            case .call(let target, _, let args):
                if let target { pending.append(target) }
                pending += args
            case .list(let elements, _):
                pending += elements
            case .map(let entries):
                for entry in entries { pending += [entry.key, entry.value] }
            case .comprehension(let c):
                pending += [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result]
            }
        }
        return repeated
    }

    private func localRef(_ name: String) -> LocalRef? {
        for scope in scopes.reversed() {
            if let ref = scope[name] { return ref }
        }
        return nil
    }

    private func localNode(_ ref: LocalRef, offset: Int32) -> Node {
        switch ref {
        case .slot(let slot): return LocalNode(slot: slot, offset: offset)
        case .cursor(let cursor): return CursorNode(cursor: cursor, offset: offset)
        }
    }

    private mutating func variableSlot(_ name: String) -> Int {
        if let slot = variableSlots[name] { return slot }
        let slot = variableNames.count
        variableNames.append(name)
        variableSlots[name] = slot
        return slot
    }

    private mutating func planReference(_ e: Expr, name: String) -> Node {
        switch checked.references[e.id] {
        case .variable(let full)?:
            return VariableNode(slot: variableSlot(full), offset: e.offset)
        case .constant(let value)?:
            return ConstNode(value, offset: e.offset)
        default:
            return ErrorNode(CELError("undeclared reference to '\(name)' (in container '\(declarations.container)')"),
                             offset: e.offset)
        }
    }

    // MARK: - Calls

    private mutating func planCall(_ e: Expr, target: Expr?, function: String, args: [Expr]) -> Node {
        if target == nil, let special = planSpecialForm(e, function, args) { return special }
        switch checked.references[e.id] {
        case .compiled(let fn, let namespaced)?:
            var argNodes: [Node] = []
            if let target, !namespaced { argNodes.append(plan(target)) }
            argNodes += args.map { plan($0) }
            return CompiledCallNode(argNodes, fn, offset: e.offset)
        case .overloads(let name, let candidates, let namespaced)?:
            var argExprs: [Expr] = []
            if let target, !namespaced { argExprs.append(target) }
            argExprs += args
            return planOverloadCall(e, name: name, candidates: candidates, args: argExprs)
        default:
            return ErrorNode(CELError("unbound function: '\(function)'"), offset: e.offset)
        }
    }

    private mutating func planOverloadCall(_ e: Expr, name: String, candidates: [Overload], args: [Expr]) -> Node {
        let nodes = args.map { plan($0) }
        let dispatcher = Dispatcher(function: name, candidates: candidates)
        let pure = declarations.pureFunctions.contains(name)
        let argTypes = args.map { checked.types[$0.id] ?? .dyn }
        let node: Node
        switch (name, nodes.count) {
        case (Operators.add, 2) where checked.types[e.id] == .string:
            node = ConcatNode(concatParts(nodes), maxBytes: limits.maxStringBytes, offset: e.offset)
        case (Operators.add, 2):
            node = Planner.arithmetic(.add, nodes[0], nodes[1], dispatcher, e.offset)
        case (Operators.subtract, 2):
            node = Planner.arithmetic(.subtract, nodes[0], nodes[1], dispatcher, e.offset)
        case (Operators.multiply, 2):
            node = Planner.arithmetic(.multiply, nodes[0], nodes[1], dispatcher, e.offset)
        case (Operators.divide, 2):
            node = Planner.arithmetic(.divide, nodes[0], nodes[1], dispatcher, e.offset)
        case (Operators.modulo, 2):
            node = Planner.arithmetic(.modulo, nodes[0], nodes[1], dispatcher, e.offset)
        case (Operators.less, 2):
            node = Planner.comparison(.less, nodes[0], nodes[1], dispatcher, e.offset)
        case (Operators.lessEquals, 2):
            node = Planner.comparison(.lessEquals, nodes[0], nodes[1], dispatcher, e.offset)
        case (Operators.greater, 2):
            node = Planner.comparison(.greater, nodes[0], nodes[1], dispatcher, e.offset)
        case (Operators.greaterEquals, 2):
            node = Planner.comparison(.greaterEquals, nodes[0], nodes[1], dispatcher, e.offset)
        case (Operators.equals, 2), (Operators.notEquals, 2):
            let negated = name == Operators.notEquals
            if case .string(let c)? = nodes[1].constantValue, nodes[0].constantValue == nil {
                node = StringConstantEqualsNode(nodes[0], c, negated: negated, offset: e.offset)
            } else if case .string(let c)? = nodes[0].constantValue, nodes[1].constantValue == nil {
                node = StringConstantEqualsNode(nodes[1], c, negated: negated, offset: e.offset)
            } else {
                node = EqualsNode(nodes[0], nodes[1], negated: negated, offset: e.offset)
            }
        case (Operators.logicalNot, 1):
            node = NotNode(nodes[0], offset: e.offset)
        case (Operators.in, 2):
            node = planIn(nodes[0], nodes[1], dispatcher: dispatcher, offset: e.offset)
        default:
            if candidates.count == 1, nodes.count == 2, nodes[0].constantValue == nil,
               let kind = StringSearchNode.Kind(overloadID: candidates[0].id),
               case .string(let needle)? = nodes[1].constantValue {
                node = StringSearchNode(kind, nodes[0], needle: needle, fallback: dispatcher, offset: e.offset)
            } else if nodes.count == 1, nodes[0].constantValue == nil, StringSizeNode.applies(to: candidates) {
                node = StringSizeNode(nodes[0], fallback: dispatcher, offset: e.offset)
            } else if candidates.count == 1, argTypes.allSatisfy(TypeUnifier.kindKnown) {
                let overload = candidates[0]
                let linear = overload.cost == .linear
                let prepared = overload.prepared?(nodes.map(\.constantValue))
                switch overload.implementation {
                case _ where prepared != nil:
                    node = MeteredArgumentsCallNode(nodes, prepared!, strict: overload.isStrict, offset: e.offset)
                case _ where nodes.count == 2 && overload.metered != nil:
                    node = MeteredCallNode(nodes[0], nodes[1], overload.metered!, strict: overload.isStrict,
                                           offset: e.offset)
                case _ where nodes.count == 1 && overload.metered != nil:
                    node = MeteredUnaryCallNode(nodes[0], overload.metered!, strict: overload.isStrict,
                                                offset: e.offset)
                case .unary(let f) where nodes.count == 1:
                    if Planner.isListSize(overload.id), let collect = nodes[0] as? CollectNode {
                        // `size(l.map(...))`, `l.filter(...).size()`: count, without building the list.
                        node = collect.counting()
                    } else {
                        node = UnaryCallNode(nodes[0], f, strict: overload.isStrict, linear: linear, offset: e.offset)
                    }
                case .binary(let f) where nodes.count == 2:
                    node = BinaryCallNode(nodes[0], nodes[1], f, strict: overload.isStrict, linear: linear,
                                          offset: e.offset)
                default:
                    node = DirectCallNode(nodes, overload, offset: e.offset)
                }
            } else if nodes.count == 1 {
                node = Dispatch1Node(nodes[0], dispatcher, offset: e.offset)
            } else if nodes.count == 2 {
                node = Dispatch2Node(nodes[0], nodes[1], dispatcher, offset: e.offset)
            } else {
                node = DispatchCallNode(nodes, dispatcher, offset: e.offset)
            }
        }
        return pure && nodes.allSatisfy({ $0.constantValue != nil }) ? evaluateNow(node) : node
    }

    /// An arithmetic node; `x op c` with a double constant `c` (not `%`) or an int
    /// constant gets its own node.
    private static func arithmetic(_ op: ArithmeticOperator, _ lhs: Node, _ rhs: Node, _ dispatcher: Dispatcher,
                                   _ offset: Int32) -> Node {
        if op != .modulo, lhs.constantValue == nil, case .double(let c)? = rhs.constantValue {
            return DoubleConstantArithmeticNode(op, lhs, c, fallback: dispatcher, offset: offset)
        }
        if lhs.constantValue == nil, case .int(let c)? = rhs.constantValue {
            return IntConstantArithmeticNode(op, lhs, c, fallback: dispatcher, offset: offset)
        }
        return ArithmeticNode(op, lhs, rhs, fallback: dispatcher, offset: offset)
    }

    /// A comparison node; `x op c` with a double or int constant `c` gets its own node.
    private static func comparison(_ op: ComparisonOperator, _ lhs: Node, _ rhs: Node, _ dispatcher: Dispatcher,
                                   _ offset: Int32) -> Node {
        if lhs.constantValue == nil, case .double(let c)? = rhs.constantValue {
            return DoubleConstantComparisonNode(op, lhs, c, fallback: dispatcher, offset: offset)
        }
        if lhs.constantValue == nil, case .int(let c)? = rhs.constantValue {
            return IntConstantComparisonNode(op, lhs, c, fallback: dispatcher, offset: offset)
        }
        return ComparisonNode(op, lhs, rhs, fallback: dispatcher, offset: offset)
    }

    /// Flattens nested string concatenations into one list of parts.
    private func concatParts(_ nodes: [Node]) -> [Node] {
        nodes.flatMap { node -> [Node] in
            if let concat = node as? ConcatNode { return concat.parts }
            return [node]
        }
    }

    private mutating func planIn(_ lhs: Node, _ rhs: Node, dispatcher: Dispatcher, offset: Int32) -> Node {
        if case .list(let items)? = rhs.constantValue {
            var ints: [Int64] = []
            var keys = Set<CELMap.Key>()
            var allInts = true, allKeys = true
            for item in items {
                if case .int(let i) = item { ints.append(i) } else { allInts = false }
                switch item {
                case .bool, .int, .uint, .string, .double:
                    if let k = CELMap.key(for: item) { keys.insert(k) } else { allKeys = false }
                default:
                    allKeys = false
                }
            }
            if allInts { return fold(InIntListNode(lhs, sorted: ints.sorted(), offset: offset)) }
            if allKeys { return fold(InKeySetNode(lhs, keys: keys, offset: offset)) }
        }
        let node = Dispatch2Node(lhs, rhs, dispatcher, offset: offset)
        return lhs.constantValue != nil && rhs.constantValue != nil ? evaluateNow(node) : node
    }

    /// Operators that are not ordinary strict functions.
    private mutating func planSpecialForm(_ e: Expr, _ function: String, _ args: [Expr]) -> Node? {
        switch (function, args.count) {
        case (Operators.logicalAnd, 2):
            return fold(AndNode(plan(args[0]), plan(args[1]), offset: e.offset))
        case (Operators.logicalOr, 2):
            return fold(OrNode(plan(args[0]), plan(args[1]), offset: e.offset))
        case (Operators.conditional, 3):
            let c = plan(args[0]), t = plan(args[1]), f = plan(args[2])
            if case .bool(let b)? = c.constantValue { return b ? t : f }
            if let test = c as? StringConstantEqualsNode { return StringConditionalNode(test, t, f, offset: e.offset) }
            if let test = c as? DoubleConstantComparisonNode { return DoubleConditionalNode(test, t, f, offset: e.offset) }
            return ConditionalNode(c, t, f, offset: e.offset)
        case (Operators.notStrictlyFalse, 1):
            return fold(NotStrictlyFalseNode(plan(args[0]), offset: e.offset))
        case (Operators.index, 2):
            return fold(IndexNode(operand: plan(args[0]), index: plan(args[1]), optional: false, offset: e.offset))
        case (Operators.optionalIndex, 2):
            return fold(IndexNode(operand: plan(args[0]), index: plan(args[1]), optional: true, offset: e.offset))
        case (Operators.optionalSelect, 2):
            guard case .literal(.string(let field)) = args[1].kind else {
                return ErrorNode(CELError("the field of '.?' must be a name"), offset: e.offset)
            }
            return fold(OptionalSelectNode(operand: plan(args[0]), field: field, offset: e.offset))
        case ("@mapInsert", 3):
            return fold(MapInsertNode(map: plan(args[0]), key: plan(args[1]), value: plan(args[2]), offset: e.offset))
        default:
            return nil
        }
    }

    // MARK: - Comprehensions

    private mutating func newLocal() -> Int {
        shape.locals += 1
        return shape.locals - 1
    }

    private mutating func newCursor() -> Int {
        shape.cursors += 1
        return shape.cursors - 1
    }

    private mutating func planComprehension(_ e: Expr, _ c: Comprehension) -> Node {
        let range = plan(c.iterRange)
        let accuInit = plan(c.accuInit)
        let accuSlot = newLocal()
        // One variable: the element (or map key) is a cursor. Two variables: the index
        // (or key) is a slot and the element (or value) a cursor.
        let indexSlot = c.iterVar2 == nil ? nil : newLocal()
        let elementCursor = newCursor()
        scopes.append([c.accuVar: .slot(accuSlot)])
        var iterScope: [String: LocalRef] = [:]
        if let v2 = c.iterVar2, let indexSlot {
            iterScope[c.iterVar] = .slot(indexSlot)
            iterScope[v2] = .cursor(elementCursor)
        } else {
            iterScope[c.iterVar] = .cursor(elementCursor)
        }
        scopes.append(iterScope)
        if let special = planMacroLoop(e, c, range: range, indexSlot: indexSlot, elementCursor: elementCursor) {
            scopes.removeLast()
            scopes.removeLast()
            return special
        }
        let before = nodeCount
        let conditionNode = plan(c.loopCondition)
        let condition: Node? = if case .bool(true)? = conditionNode.constantValue { nil } else { conditionNode }
        let step = planStep(c.loopStep, accuVar: c.accuVar, accuSlot: accuSlot)
        let iterationCost = 1 + nodeCount - before
        scopes.removeLast()
        let result = plan(c.result)
        scopes.removeLast()
        return ComprehensionNode(range: range, indexSlot: indexSlot, elementCursor: elementCursor, accuSlot: accuSlot,
                                 accuInit: accuInit, condition: condition, step: step, result: result,
                                 iterationCost: iterationCost, offset: e.offset)
    }

    /// Recognises the expansions of `all`, `exists`, `map`, `filter` and `transformList`
    /// and plans them as dedicated loops (no accumulator slot, no per-iteration condition).
    private mutating func planMacroLoop(_ e: Expr, _ c: Comprehension, range: Node, indexSlot: Int?,
                                        elementCursor: Int) -> Node? {
        let accu = c.accuVar
        func isAccu(_ x: Expr) -> Bool {
            if case .ident(let n) = x.kind { return n == accu }
            return false
        }
        func isLiteral(_ x: Expr, _ value: Bool) -> Bool {
            if case .literal(.bool(let b)) = x.kind { return b == value }
            return false
        }
        guard accu == accumulatorName, isAccu(c.result) else { return nil }
        let before = nodeCount
        switch (c.accuInit.kind, c.loopCondition.kind, c.loopStep.kind) {
        case (.literal(.bool(let initial)), .call(nil, Operators.notStrictlyFalse, let condArgs),
              .call(nil, let op, let stepArgs))
            where condArgs.count == 1 && stepArgs.count == 2 && isAccu(stepArgs[0])
                && ((initial && op == Operators.logicalAnd && isAccu(condArgs[0]))
                    || (!initial && op == Operators.logicalOr && isNegatedAccu(condArgs[0], accu))):
            let predicate = plan(stepArgs[1])
            return QuantifierNode(range: range, indexSlot: indexSlot, elementCursor: elementCursor,
                                  predicate: predicate, isAll: initial, iterationCost: 3 + nodeCount - before,
                                  offset: e.offset)
        case (.list(let initElements, _), _, _) where initElements.isEmpty && isLiteral(c.loopCondition, true):
            var filterExpr: Expr?
            var append = c.loopStep
            if case .call(nil, Operators.conditional, let args) = c.loopStep.kind, args.count == 3, isAccu(args[2]) {
                filterExpr = args[0]
                append = args[1]
            }
            guard case .call(nil, Operators.add, let addArgs) = append.kind, addArgs.count == 2, isAccu(addArgs[0]),
                  case .list(let elements, let optionalIndices) = addArgs[1].kind,
                  elements.count == 1, optionalIndices.isEmpty else { return nil }
            let filter = filterExpr.map { plan($0) }
            let element = plan(elements[0])
            return CollectNode(range: range, indexSlot: indexSlot, elementCursor: elementCursor, filter: filter,
                               element: element, maxCount: limits.maxCollectionSize,
                               iterationCost: 3 + nodeCount - before, offset: e.offset)
        default:
            return nil
        }
    }

    private func isNegatedAccu(_ x: Expr, _ accu: String) -> Bool {
        guard case .call(nil, Operators.logicalNot, let args) = x.kind, args.count == 1,
              case .ident(let n) = args[0].kind else { return false }
        return n == accu
    }

    /// Recognises the accumulating steps that can update the accumulator in place:
    /// `accu + [e]`, `@mapInsert(accu, k, v)`, and either of them as one branch of
    /// `c ? step : accu` (filters).
    private mutating func planStep(_ step: Expr, accuVar: String, accuSlot: Int) -> Node {
        func isAccu(_ x: Expr) -> Bool {
            if case .ident(let n) = x.kind { return n == accuVar }
            return false
        }
        guard case .call(nil, let function, let args) = step.kind else { return plan(step) }
        switch (function, args.count) {
        case (Operators.add, 2) where isAccu(args[0]):
            guard case .list(let elements, let optionalIndices) = args[1].kind,
                  elements.count == 1, optionalIndices.isEmpty else { break }
            nodeCount += 3
            return AppendStepNode(accuSlot: accuSlot, element: plan(elements[0]),
                                  maxCount: limits.maxCollectionSize, offset: step.offset)
        case ("@mapInsert", 3) where isAccu(args[0]):
            nodeCount += 2
            return MapInsertStepNode(accuSlot: accuSlot, key: plan(args[1]), value: plan(args[2]),
                                     maxCount: limits.maxCollectionSize, offset: step.offset)
        case (Operators.conditional, 3) where isAccu(args[2]) || isAccu(args[1]):
            nodeCount += 1
            let c = plan(args[0])
            let t = isAccu(args[1]) ? plan(args[1]) : planStep(args[1], accuVar: accuVar, accuSlot: accuSlot)
            let f = isAccu(args[2]) ? plan(args[2]) : planStep(args[2], accuVar: accuVar, accuSlot: accuSlot)
            return ConditionalNode(c, t, f, offset: step.offset)
        default:
            break
        }
        return plan(step)
    }

    // MARK: - Folding

    /// Replaces a node whose inputs are all constants by its value.
    private mutating func fold(_ node: Node) -> Node {
        let children: [Node]
        switch node {
        case let n as HasNode: children = [n.operand]
        case let n as SelectNode: children = [n.operand]
        case let n as OptionalSelectNode: children = [n.operand]
        case let n as IndexNode: children = [n.operand, n.index]
        case let n as ListNode: children = n.elements
        case let n as MapNode: children = n.keys + n.values
        case let n as AndNode: children = [n.lhs, n.rhs]
        case let n as OrNode: children = [n.lhs, n.rhs]
        case let n as NotStrictlyFalseNode: children = [n.operand]
        case let n as MapInsertNode: children = [n.map, n.key, n.value]
        case let n as InIntListNode: children = [n.operand]
        case let n as InKeySetNode: children = [n.operand]
        default: return node
        }
        return children.allSatisfy({ $0.constantValue != nil }) ? evaluateNow(node) : node
    }

    /// The node's value as a constant. With a shared budget, a fold it cannot cover is
    /// left to run time (folding only saves work), and the budget is exhausted.
    private mutating func evaluateNow(_ node: Node) -> Node {
        guard var shared = budget else {
            return ConstNode(Frame.evaluate(node, variables: [], shape: .empty, limits: limits), offset: node.offset)
        }
        if shared.isExhausted { return node }
        var cost = 0, iterations = 0
        let value = Frame.evaluate(node, variables: [], shape: .empty, limits: limits, maxCost: shared.allowance(limits),
                                   cost: &cost, iterations: &iterations)
        shared.charge(cost)
        budget = shared
        return shared.isExhausted ? node : ConstNode(value, offset: node.offset)
    }

    static func value(of constant: Constant) -> Value {
        switch constant {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .uint(let u): return .uint(u)
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .bytes(let b): return .bytes(b)
        }
    }
}
