/// A directed graph over string-named nodes, for import graphs and call graphs.
struct DependencyGraph {
    /// `edges[a]` are the nodes `a` depends on, in declaration order.
    private(set) var edges: [String: [String]] = [:]
    /// Nodes in insertion order, so that results are deterministic.
    private(set) var nodes: [String] = []

    mutating func addNode(_ node: String) {
        if edges[node] == nil {
            edges[node] = []
            nodes.append(node)
        }
    }

    /// Every edge once, to keep `addEdge` constant-time however many edges a node has.
    private var edgeSet: Set<Edge> = []

    private struct Edge: Hashable {
        var from: String
        var to: String
    }

    mutating func addEdge(from: String, to: String) {
        addNode(from)
        addNode(to)
        if edgeSet.insert(Edge(from: from, to: to)).inserted { edges[from]?.append(to) }
    }

    /// Nodes ordered so that every node comes after all it depends on, or the first
    /// cycle found (as a path `a → b → … → a`). Iterative, so deep graphs cannot
    /// overflow the stack.
    func topologicalOrder() -> Result<[String], Cycle> {
        enum Mark { case visiting, done }
        var marks: [String: Mark] = [:]
        var order: [String] = []
        order.reserveCapacity(nodes.count)
        for root in nodes where marks[root] == nil {
            // Stack of (node, index of the next dependency to visit).
            var stack: [(String, Int)] = [(root, 0)]
            marks[root] = .visiting
            while let (node, next) = stack.last {
                let deps = edges[node] ?? []
                if next < deps.count {
                    stack[stack.count - 1].1 = next + 1
                    let dep = deps[next]
                    switch marks[dep] {
                    case nil:
                        marks[dep] = .visiting
                        stack.append((dep, 0))
                    case .visiting:
                        let path = stack.map(\.0)
                        let start = path.firstIndex(of: dep) ?? 0
                        return .failure(Cycle(path: Array(path[start...]) + [dep]))
                    case .done:
                        break
                    }
                } else {
                    marks[node] = .done
                    order.append(node)
                    stack.removeLast()
                }
            }
        }
        return .success(order)
    }

    /// The strongly connected components (groups of nodes that all reach each other),
    /// each after every component it depends on, with a cycle for each component that
    /// has one (several nodes, or one that depends on itself). Tarjan's algorithm with an
    /// explicit stack: linear in the size of the graph, and not bounded by the thread's stack.
    func components() -> [Component] {
        let count = nodes.count
        var indexOf: [String: Int] = [:]
        for (i, node) in nodes.enumerated() { indexOf[node] = i }
        let successors: [[Int]] = nodes.map { (edges[$0] ?? []).compactMap { indexOf[$0] } }
        var visitOrder = [Int](repeating: -1, count: count)
        var lowLink = [Int](repeating: 0, count: count)
        var onStack = [Bool](repeating: false, count: count)
        var stack: [Int] = []
        var visited = 0
        var result: [Component] = []
        for root in 0..<count where visitOrder[root] < 0 {
            // (node, index of the next successor to visit)
            var work: [(node: Int, next: Int)] = []
            func enter(_ node: Int) {
                visitOrder[node] = visited
                lowLink[node] = visited
                visited += 1
                stack.append(node)
                onStack[node] = true
                work.append((node, 0))
            }
            enter(root)
            while let (node, next) = work.last {
                if next < successors[node].count {
                    work[work.count - 1].next = next + 1
                    let successor = successors[node][next]
                    if visitOrder[successor] < 0 {
                        enter(successor)
                    } else if onStack[successor] {
                        lowLink[node] = min(lowLink[node], visitOrder[successor])
                    }
                    continue
                }
                work.removeLast()
                if let parent = work.last?.node { lowLink[parent] = min(lowLink[parent], lowLink[node]) }
                guard lowLink[node] == visitOrder[node] else { continue }
                var members: [Int] = []
                while let member = stack.popLast() {
                    onStack[member] = false
                    members.append(member)
                    if member == node { break }
                }
                members.sort()
                result.append(Component(members: members.map { nodes[$0] },
                                        cycle: cycle(through: members, successors).map { Cycle(path: $0.map { nodes[$0] }) }))
            }
        }
        return result
    }

    /// The shortest cycle from the first of `members` (sorted, one component) back to
    /// itself, or nil when the component is a single node without a self-edge.
    private func cycle(through members: [Int], _ successors: [[Int]]) -> [Int]? {
        guard let start = members.first else { return nil }
        if members.count == 1 && !successors[start].contains(start) { return nil }
        let inComponent = Set(members)
        var previous: [Int: Int] = [:]
        var queue = [start]
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            for successor in successors[node] where inComponent.contains(successor) {
                if successor == start {
                    var path = [start]
                    var at = node
                    while at != start, let before = previous[at] {
                        path.append(at)
                        at = before
                    }
                    path.append(start)
                    return Array(path.reversed())
                }
                if previous[successor] == nil {
                    previous[successor] = node
                    queue.append(successor)
                }
            }
        }
        return nil
    }

    /// Nodes that all reach each other; `cycle` is one cycle through them, nil for a
    /// single node that does not depend on itself.
    struct Component {
        /// In insertion order.
        var members: [String]
        var cycle: Cycle?
    }

    /// Every node that depends, directly or not, on one of `roots` (the roots included).
    func dependents(of roots: Set<String>) -> Set<String> {
        var reverse: [String: [String]] = [:]
        for (from, tos) in edges {
            for to in tos { reverse[to, default: []].append(from) }
        }
        var result = roots
        var queue = Array(roots)
        while let node = queue.popLast() {
            for user in reverse[node] ?? [] where !result.contains(user) {
                result.insert(user)
                queue.append(user)
            }
        }
        return result
    }

    struct Cycle: Error {
        /// The cycle as a path that starts and ends at the same node.
        var path: [String]
        var description: String { path.joined(separator: " → ") }
    }
}
