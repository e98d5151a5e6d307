/// One step of an edit script turning sequence `a` into sequence `b`.
enum Edit: Equatable, Sendable {
    /// `a[old]` equals `b[new]`.
    case equal(old: Int, new: Int)
    /// `a[old]` is removed.
    case delete(old: Int)
    /// `b[new]` is inserted.
    case insert(new: Int)
}

/// Myers' O((N+M)·D) shortest edit script ("An O(ND) Difference Algorithm and Its
/// Variations", 1986), with the common prefix and suffix trimmed first. Kept instead of the
/// standard library's `difference(from:)`, which has no distance cap: see README.md for the
/// measurement.
enum Myers {
    /// The largest number of differences searched for exactly. The trace needs about D²
    /// integers, so beyond this the middle part is reported as one replaced block, which
    /// is still a correct (if not minimal) diff.
    static let maximumDistance = 2_000

    static func diff<T: Equatable>(_ a: [T], _ b: [T]) -> [Edit] {
        var prefix = 0
        while prefix < a.count, prefix < b.count, a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < a.count - prefix, suffix < b.count - prefix,
              a[a.count - 1 - suffix] == b[b.count - 1 - suffix] { suffix += 1 }

        var edits: [Edit] = []
        edits.reserveCapacity(max(a.count, b.count))
        for i in 0..<prefix { edits.append(.equal(old: i, new: i)) }
        let midA = Array(a[prefix..<(a.count - suffix)])
        let midB = Array(b[prefix..<(b.count - suffix)])
        for edit in middle(midA, midB) {
            switch edit {
            case .equal(let o, let n): edits.append(.equal(old: o + prefix, new: n + prefix))
            case .delete(let o): edits.append(.delete(old: o + prefix))
            case .insert(let n): edits.append(.insert(new: n + prefix))
            }
        }
        for i in 0..<suffix {
            edits.append(.equal(old: a.count - suffix + i, new: b.count - suffix + i))
        }
        return edits
    }

    private static func middle<T: Equatable>(_ a: [T], _ b: [T]) -> [Edit] {
        let n = a.count, m = b.count
        if n == 0 { return (0..<m).map { .insert(new: $0) } }
        if m == 0 { return (0..<n).map { .delete(old: $0) } }
        let limit = min(n + m, maximumDistance)
        let offset = limit + 1
        var v = [Int](repeating: 0, count: 2 * limit + 3)
        // trace[d] holds v[-d-1 ... d+1] as it was at the start of round d.
        var trace: [[Int]] = []
        for d in 0...limit {
            trace.append(Array(v[(offset - d - 1)...(offset + d + 1)]))
            for k in stride(from: -d, through: d, by: 2) {
                var x = (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]))
                    ? v[offset + k + 1] : v[offset + k - 1] + 1
                var y = x - k
                while x < n, y < m, a[x] == b[y] {
                    x += 1
                    y += 1
                }
                v[offset + k] = x
                if x >= n, y >= m {
                    return backtrack(trace, distance: d, n: n, m: m)
                }
            }
        }
        return (0..<n).map { .delete(old: $0) } + (0..<m).map { .insert(new: $0) }
    }

    private static func backtrack(_ trace: [[Int]], distance: Int, n: Int, m: Int) -> [Edit] {
        var edits: [Edit] = []
        var x = n, y = m
        for d in stride(from: distance, through: 0, by: -1) {
            let round = trace[d]
            // round[i] is v[i - d - 1].
            func v(_ k: Int) -> Int { round[k + d + 1] }
            let k = x - y
            let previousK = (k == -d || (k != d && v(k - 1) < v(k + 1))) ? k + 1 : k - 1
            let previousX = d == 0 ? 0 : v(previousK)
            let previousY = d == 0 ? 0 : previousX - previousK
            while x > previousX, y > previousY {
                edits.append(.equal(old: x - 1, new: y - 1))
                x -= 1
                y -= 1
            }
            if d > 0 {
                if x == previousX {
                    edits.append(.insert(new: y - 1))
                } else {
                    edits.append(.delete(old: x - 1))
                }
                x = previousX
                y = previousY
            }
        }
        return edits.reversed()
    }
}
