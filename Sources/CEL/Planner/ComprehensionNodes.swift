/// Comprehensions (the expansion of every macro) and the in-place accumulator steps
/// that make `map`/`filter`/`transformList` append and `transformMap` insert without
/// copying the accumulator on every iteration.

/// The iteration shared by every comprehension node: binds the element cursor (and the
/// index or key slot of two-variable forms), counts iterations and cost against the limits.
class LoopNode: Node, @unchecked Sendable {
    let range: Node
    /// Two-variable form: the slot of the index (lists) or key (maps).
    let indexSlot: Int?
    /// The cursor of the element (lists), key (maps, one variable) or value (maps, two).
    let elementCursor: Int
    /// Cost charged per iteration: the nodes of the loop body.
    let iterationCost: Int

    init(range: Node, indexSlot: Int?, elementCursor: Int, iterationCost: Int, offset: Int32) {
        self.range = range
        self.indexSlot = indexSlot
        self.elementCursor = elementCursor
        self.iterationCost = iterationCost
        super.init(offset: offset)
    }

    /// Runs `body` once per element of `rangeValue` until it returns false. Returns the
    /// error that stopped the loop (a limit, or a range that is not a list or map).
    /// `rangeValue` keeps the storage the cursor points into alive for the whole loop.
    @inline(__always)
    final func loop(over rangeValue: Value, _ frame: inout Frame, _ body: (inout Frame) -> Bool) -> Value? {
        var stop: Value?
        switch rangeValue {
        case .list(let items):
            items.withUnsafeBufferPointer { elements in
                guard let base = elements.baseAddress else { return }
                for i in 0..<elements.count {
                    if let s = startIteration(&frame) { stop = s; return }
                    if let slot = indexSlot { frame.locals[slot] = .int(Int64(i)) }
                    frame.cursors[elementCursor] = base + i
                    if !body(&frame) { return }
                }
            }
        case .map(let map):
            let keys = map.keys, values = map.values
            keys.withUnsafeBufferPointer { keyBuffer in
                values.withUnsafeBufferPointer { valueBuffer in
                    guard let keyBase = keyBuffer.baseAddress, let valueBase = valueBuffer.baseAddress else { return }
                    for i in 0..<min(keyBuffer.count, valueBuffer.count) {
                        if let s = startIteration(&frame) { stop = s; return }
                        if let slot = indexSlot {
                            frame.locals[slot] = keyBase[i]
                            frame.cursors[elementCursor] = valueBase + i
                        } else {
                            frame.cursors[elementCursor] = keyBase + i
                        }
                        if !body(&frame) { return }
                    }
                }
            }
        case .error(let e):
            return .error(e)
        default:
            return fail(CELError("expression of type '\(rangeValue.runtimeType.runtimeName)' cannot be the range of a comprehension"))
        }
        frame.cursors[elementCursor] = nil
        return stop
    }

    /// Counts one iteration against the limits; returns the error that stops the loop.
    @inline(__always)
    private func startIteration(_ frame: inout Frame) -> Value? {
        frame.iterations &+= 1
        if frame.iterations > frame.maxIterations {
            return .error(CELError(Frame.iterationsExceeded.message, offset: offset))
        }
        if let e = frame.charge(iterationCost) {
            return .error(CELError(e.message, offset: offset))
        }
        return nil
    }
}

/// The general comprehension: accumulator, loop condition, step and result.
final class ComprehensionNode: LoopNode, @unchecked Sendable {
    let accuSlot: Int
    let accuInit: Node
    /// nil when the loop condition is the constant `true`.
    let condition: Node?
    let step: Node
    let result: Node

    init(range: Node, indexSlot: Int?, elementCursor: Int, accuSlot: Int, accuInit: Node,
         condition: Node?, step: Node, result: Node, iterationCost: Int, offset: Int32) {
        self.accuSlot = accuSlot
        self.accuInit = accuInit
        self.condition = condition
        self.step = step
        self.result = result
        super.init(range: range, indexSlot: indexSlot, elementCursor: elementCursor,
                   iterationCost: iterationCost, offset: offset)
    }

    override func eval(_ frame: inout Frame) -> Value {
        let rangeValue = range.eval(&frame)
        frame.locals[accuSlot] = accuInit.eval(&frame)
        let stop = loop(over: rangeValue, &frame) { frame in
            if let condition {
                guard case .bool(true) = condition.eval(&frame) else { return false }
            }
            let next = step.eval(&frame)
            frame.locals[accuSlot] = next
            return true
        }
        if let stop {
            frame.locals[accuSlot] = .null
            return stop
        }
        let value = result.eval(&frame)
        frame.locals[accuSlot] = .null
        return value
    }
}

/// `all` (`isAll`) and `exists`: stops at the first deciding predicate value; otherwise an
/// error from any element is the result (CEL's commutative `&&`/`||` over the elements).
final class QuantifierNode: LoopNode, @unchecked Sendable {
    let predicate: Node
    let isAll: Bool

    init(range: Node, indexSlot: Int?, elementCursor: Int, predicate: Node, isAll: Bool,
         iterationCost: Int, offset: Int32) {
        self.predicate = predicate
        self.isAll = isAll
        super.init(range: range, indexSlot: indexSlot, elementCursor: elementCursor,
                   iterationCost: iterationCost, offset: offset)
    }

    override func eval(_ frame: inout Frame) -> Value {
        let rangeValue = range.eval(&frame)
        var decided = false
        var firstError: Value?
        let isAll = self.isAll
        let stop = loop(over: rangeValue, &frame) { frame in
            switch predicate.eval(&frame) {
            case .bool(let b):
                if b != isAll {
                    decided = true
                    return false
                }
            case .error(let e):
                if firstError == nil { firstError = .error(e) }
            case let other:
                if firstError == nil { firstError = fail(.noSuchOverload(isAll ? "_&&_" : "_||_", other)) }
            }
            return true
        }
        if decided { return .bool(!isAll) }
        if let stop { return stop }
        return firstError ?? .bool(isAll)
    }
}

/// `map`, `filter` and `transformList`: collects `element` for every item (that passes
/// `filter`) into a list built in place.
///
/// `size(...)` of one (`counting`) counts the elements instead: the same loop, the same
/// evaluations, errors, limits and charges, but no list. An element that is a place
/// (`filter`'s element itself, a field of it) is checked where it lives instead of being
/// copied, so counting a filter costs no reference counting per element.
final class CollectNode: LoopNode, @unchecked Sendable {
    /// The filter (`true` when there is none, with `hasFilter` false): a stored child, not
    /// an optional one, so that calling it needs no retain per element.
    let filter: Node
    let hasFilter: Bool
    let element: Node
    let maxCount: Int
    /// Whether the node yields the number of elements (`size` of the list) instead.
    let countOnly: Bool
    private let elementOperand: Operand

    init(range: Node, indexSlot: Int?, elementCursor: Int, filter: Node?, element: Node, maxCount: Int,
         iterationCost: Int, countOnly: Bool = false, offset: Int32) {
        self.filter = filter ?? ConstNode(.bool(true), offset: offset)
        self.hasFilter = filter != nil
        self.element = element
        self.maxCount = maxCount
        self.countOnly = countOnly
        self.elementOperand = Operand(element)
        super.init(range: range, indexSlot: indexSlot, elementCursor: elementCursor,
                   iterationCost: iterationCost, offset: offset)
    }

    /// The same comprehension yielding the size of its list.
    func counting() -> CollectNode {
        CollectNode(range: range, indexSlot: indexSlot, elementCursor: elementCursor, filter: hasFilter ? filter : nil,
                    element: element, maxCount: maxCount, iterationCost: iterationCost, countOnly: true, offset: offset)
    }

    override func eval(_ frame: inout Frame) -> Value {
        countOnly ? count(&frame) : collect(&frame)
    }

    /// Whether the filter keeps the current element; nil with `failure` set when it fails.
    @inline(__always)
    private func keeps(_ frame: inout Frame, _ failure: inout Value?) -> Bool? {
        guard hasFilter else { return true }
        switch filter.eval(&frame) {
        case .bool(let b): return b
        case .error(let e): failure = .error(e)
        case let other: failure = fail(.noSuchOverload("_?_:_", other))
        }
        return nil
    }

    private func count(_ frame: inout Frame) -> Value {
        let rangeValue = range.eval(&frame)
        var count = 0
        var failure: Value?
        let stop = loop(over: rangeValue, &frame) { frame in
            guard let kept = keeps(&frame, &failure) else { return false }
            if !kept { return true }
            if let p = elementOperand.address(&frame) {
                if case .error = p.pointee {
                    failure = p.pointee
                    return false
                }
            } else {
                let v = elementOperand.node.eval(&frame)
                if case .error = v {
                    failure = v
                    return false
                }
            }
            guard count < maxCount else {
                failure = fail(CELError("list exceeds the size limit (Limits.maxCollectionSize)"))
                return false
            }
            count += 1
            return true
        }
        if let failure { return failure }
        if let stop { return stop }
        return .int(Int64(count))
    }

    private func collect(_ frame: inout Frame) -> Value {
        let rangeValue = range.eval(&frame)
        // The result has at most as many elements as the range: built in place in storage
        // of that capacity, without a check per append or a copy when it grows.
        let capacity: Int
        switch rangeValue {
        case .list(let items): capacity = min(items.count, maxCount)
        case .map(let map): capacity = min(map.count, maxCount)
        default: capacity = 0
        }
        var failure: Value?
        var stop: Value?
        let out = [Value](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            var count = 0
            stop = loop(over: rangeValue, &frame) { frame in
                guard let kept = keeps(&frame, &failure) else { return false }
                if !kept { return true }
                let v = element.eval(&frame)
                if case .error = v {
                    failure = v
                    return false
                }
                // Only a range longer than `maxCount` fills the capacity.
                guard count < capacity, let base = buffer.baseAddress else {
                    failure = fail(CELError("list exceeds the size limit (Limits.maxCollectionSize)"))
                    return false
                }
                (base + count).initialize(to: v)
                count += 1
                return true
            }
            initialized = count
        }
        if let failure { return failure }
        if let stop { return stop }
        return .list(out)
    }
}

/// The step `accu + [element]`: appends to the accumulator in place.
final class AppendStepNode: Node, @unchecked Sendable {
    let accuSlot: Int
    let element: Node
    let maxCount: Int
    init(accuSlot: Int, element: Node, maxCount: Int, offset: Int32) {
        self.accuSlot = accuSlot
        self.element = element
        self.maxCount = maxCount
        super.init(offset: offset)
    }

    override func eval(_ frame: inout Frame) -> Value {
        let e = element.eval(&frame)
        if case .error = e { return e }
        switch frame.locals[accuSlot].appendInPlace(e, maxCount: maxCount) {
        case .appended: return frame.locals[accuSlot]
        case .tooLarge: return fail(CELError("list exceeds the size limit (Limits.maxCollectionSize)"))
        case .notAList: return frame.locals[accuSlot]
        }
    }
}

/// The step `@mapInsert(accu, key, value)`: inserts into the accumulator in place.
final class MapInsertStepNode: Node, @unchecked Sendable {
    let accuSlot: Int
    let key: Node
    let value: Node
    let maxCount: Int
    init(accuSlot: Int, key: Node, value: Node, maxCount: Int, offset: Int32) {
        self.accuSlot = accuSlot
        self.key = key
        self.value = value
        self.maxCount = maxCount
        super.init(offset: offset)
    }

    override func eval(_ frame: inout Frame) -> Value {
        let k = key.eval(&frame)
        if case .error = k { return k }
        let v = value.eval(&frame)
        if case .error = v { return v }
        if let problem = frame.locals[accuSlot].insertInPlace(k, v, maxCount: maxCount) {
            return fail(problem)
        }
        return frame.locals[accuSlot]
    }
}

/// `@mapInsert(map, key, value)` anywhere else: a copy with the entry added.
final class MapInsertNode: Node, @unchecked Sendable {
    let map: Node
    let key: Node
    let value: Node
    init(map: Node, key: Node, value: Node, offset: Int32) {
        self.map = map
        self.key = key
        self.value = value
        super.init(offset: offset)
    }

    override func eval(_ frame: inout Frame) -> Value {
        var m = map.eval(&frame)
        if case .error = m { return m }
        let k = key.eval(&frame)
        if case .error = k { return k }
        let v = value.eval(&frame)
        if case .error = v { return v }
        if let problem = m.insertInPlace(k, v, maxCount: Int.max) { return fail(problem) }
        return m
    }
}

enum AppendOutcome {
    case appended, tooLarge, notAList
}

extension Value {
    /// Appends to a list value without copying its storage when it is uniquely held.
    mutating func appendInPlace(_ element: Value, maxCount: Int) -> AppendOutcome {
        guard case .list(var items) = self else { return .notAList }
        guard items.count < maxCount else { return .tooLarge }
        self = .null  // drop this reference so that `items` is the only one
        items.append(element)
        self = .list(items)
        return .appended
    }

    /// Inserts a new entry into a map value in place; the error when the value is not a
    /// map, the key is invalid or already present, or the map is full.
    mutating func insertInPlace(_ key: Value, _ value: Value, maxCount: Int) -> CELError? {
        guard case .map(var map) = self else {
            if case .error(let e) = self { return e }
            return CELError("no such overload: @mapInsert(\(runtimeType.runtimeName))")
        }
        guard map.count < maxCount else {
            return CELError("map exceeds the size limit (Limits.maxCollectionSize)")
        }
        self = .null
        let problem = MapNode.insert(&map, key, value)
        self = .map(map)
        return problem
    }
}
