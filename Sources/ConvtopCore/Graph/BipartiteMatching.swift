/// Maximum bipartite matching (Hopcroft–Karp), used for DAG width (Dilworth) and Nimble's stream assignment.
public enum BipartiteMatching {
    /// Returns the matching size and, for each left vertex, its matched right vertex (or -1).
    public static func maximum(left: Int, right: Int, adjacency: [[Int]]) -> (size: Int, matchOfLeft: [Int]) {
        var m = HopcroftKarp(left: left, right: right, adjacency: adjacency)
        // Greedy start.
        for u in 0..<left {
            for v in adjacency[u] where m.matchR[v] < 0 { m.matchL[u] = v; m.matchR[v] = u; m.size += 1; break }
        }
        while m.layer() {
            for u in 0..<left where m.matchL[u] < 0 {
                if m.augment(from: u) { m.size += 1 }
            }
        }
        return (m.size, m.matchL)
    }

    /// The matching under construction and the BFS layers of the current phase.
    struct HopcroftKarp {
        let adjacency: [[Int]]
        var matchL: [Int], matchR: [Int], dist: [Int]
        var size = 0
        static let inf = Int.max

        init(left: Int, right: Int, adjacency: [[Int]]) {
            self.adjacency = adjacency
            matchL = Array(repeating: -1, count: left)
            matchR = Array(repeating: -1, count: right)
            dist = Array(repeating: 0, count: left)
        }

        /// Layers the graph from the free left vertices; true when an augmenting path exists.
        mutating func layer() -> Bool {
            var queue: [Int] = []
            var found = false
            for u in matchL.indices {
                if matchL[u] < 0 { dist[u] = 0; queue.append(u) } else { dist[u] = Self.inf }
            }
            var head = 0
            while head < queue.count {
                let u = queue[head]; head += 1
                for v in adjacency[u] {
                    let w = matchR[v]
                    if w < 0 { found = true } else if dist[w] == Self.inf { dist[w] = dist[u] + 1; queue.append(w) }
                }
            }
            return found
        }

        /// Iterative DFS along the layered graph from `start`; augments the matching along the path it finds.
        mutating func augment(from start: Int) -> Bool {
            var stack: [(u: Int, i: Int)] = [(start, 0)]
            var path: [Int] = []
            while let top = stack.last {
                let u = top.u
                if top.i >= adjacency[u].count {
                    dist[u] = Self.inf
                    stack.removeLast()
                    if !path.isEmpty { path.removeLast() }
                    continue
                }
                let v = adjacency[u][top.i]
                stack[stack.count - 1].i += 1
                let w = matchR[v]
                if w < 0 {
                    var vs = path + [v]
                    for k in stride(from: stack.count - 1, through: 0, by: -1) {
                        let uu = stack[k].u, vv = vs.removeLast()
                        matchL[uu] = vv; matchR[vv] = uu
                    }
                    return true
                }
                if dist[w] == dist[u] + 1 {
                    path.append(v)
                    stack.append((w, 0))
                }
            }
            return false
        }
    }
}
