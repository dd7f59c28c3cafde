/// Maximum bipartite matching (Hopcroft–Karp), used for DAG width (Dilworth) and Nimble's stream assignment.
public enum BipartiteMatching {
    /// Returns the matching size and, for each left vertex, its matched right vertex (or -1).
    public static func maximum(left: Int, right: Int, adjacency: [[Int]]) -> (size: Int, matchOfLeft: [Int]) {
        var matchL = Array(repeating: -1, count: left)
        var matchR = Array(repeating: -1, count: right)
        var dist = Array(repeating: 0, count: left)
        let inf = Int.max
        var size = 0
        // Greedy start.
        for u in 0..<left {
            for v in adjacency[u] where matchR[v] < 0 { matchL[u] = v; matchR[v] = u; size += 1; break }
        }
        func bfs() -> Bool {
            var queue: [Int] = []
            var found = false
            for u in 0..<left {
                if matchL[u] < 0 { dist[u] = 0; queue.append(u) } else { dist[u] = inf }
            }
            var head = 0
            while head < queue.count {
                let u = queue[head]; head += 1
                for v in adjacency[u] {
                    let w = matchR[v]
                    if w < 0 { found = true } else if dist[w] == inf { dist[w] = dist[u] + 1; queue.append(w) }
                }
            }
            return found
        }
        func dfs(_ start: Int) -> Bool {
            // Iterative DFS along the layered graph.
            var stack: [(u: Int, i: Int)] = [(start, 0)]
            var path: [Int] = []
            while let top = stack.last {
                let u = top.u
                if top.i >= adjacency[u].count {
                    dist[u] = inf
                    stack.removeLast()
                    if !path.isEmpty { path.removeLast() }
                    continue
                }
                let v = adjacency[u][top.i]
                stack[stack.count - 1].i += 1
                let w = matchR[v]
                if w < 0 {
                    // Augment along the stack.
                    var vs = path + [v]
                    for k in stride(from: stack.count - 1, through: 0, by: -1) {
                        let uu = stack[k].u
                        let vv = vs.removeLast()
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
        while bfs() {
            for u in 0..<left where matchL[u] < 0 {
                if dfs(u) { size += 1 }
            }
        }
        return (size, matchL)
    }
}
