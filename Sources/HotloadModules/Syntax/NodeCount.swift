import CEL

extension Expr {
    /// The number of syntax nodes in the tree (macros already expanded), counted with an
    /// explicit work list so that a degenerate tree cannot overflow the stack.
    var nodeCount: Int {
        var count = 0
        var work: [Expr] = [self]
        while let node = work.popLast() {
            count += 1
            switch node.kind {
            case .literal, .ident:
                break
            case .select(let operand, _, _):
                work.append(operand)
            case .call(let target, _, let args):
                if let target { work.append(target) }
                work.append(contentsOf: args)
            case .list(let elements, _):
                work.append(contentsOf: elements)
            case .map(let entries):
                for entry in entries {
                    work.append(entry.key)
                    work.append(entry.value)
                }
            case .comprehension(let c):
                work.append(contentsOf: [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result])
            }
        }
        return count
    }
}
