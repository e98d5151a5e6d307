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

    mutating func addEdge(from: String, to: String) {
        addNode(from)
        addNode(to)
        if edges[from]?.contains(to) == false { edges[from]?.append(to) }
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

    /// The graph without `removed` and the edges to them.
    func removing(_ removed: Set<String>) -> DependencyGraph {
        var graph = DependencyGraph()
        for node in nodes where !removed.contains(node) {
            graph.addNode(node)
            for dep in edges[node] ?? [] where !removed.contains(dep) { graph.addEdge(from: node, to: dep) }
        }
        return graph
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
