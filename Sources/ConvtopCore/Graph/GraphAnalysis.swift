/// A fork–join region: a node whose output feeds several branches, and the node where they meet again.
public struct ForkJoinRegion: Sendable, Hashable {
    /// The op whose output is consumed by every branch.
    public var fork: Int
    /// The first op that every branch reaches (immediate post-dominator of the fork); nil when the branches never meet.
    public var join: Int?
    /// The ops of each branch, in topological order; an empty branch is a direct fork→join edge (a shortcut).
    public var branches: [[Int]]
}


/// Structural analyses over a DAG given as predecessor lists.
public struct DAG: Sendable {
    public let predecessors: [[Int]]
    public let successors: [[Int]]
    /// A topological order (Kahn's algorithm, smallest id first among ready nodes).
    public let order: [Int]

    public init(predecessors: [[Int]]) throws {
        self.predecessors = predecessors
        var succ = Array(repeating: [Int](), count: predecessors.count)
        var indeg = Array(repeating: 0, count: predecessors.count)
        for (v, ps) in predecessors.enumerated() {
            for p in ps {
                guard p >= 0 && p < predecessors.count else { throw ConvtopError(.graph, "node \(v) refers to missing node \(p)") }
                succ[p].append(v)
                indeg[v] += 1
            }
        }
        successors = succ
        var ready = MinHeap<Int>()
        for v in indeg.indices where indeg[v] == 0 { ready.push(v) }
        var order: [Int] = []
        order.reserveCapacity(predecessors.count)
        while let v = ready.pop() {
            order.append(v)
            for s in succ[v] {
                indeg[s] -= 1
                if indeg[s] == 0 { ready.push(s) }
            }
        }
        guard order.count == predecessors.count else {
            let stuck = indeg.indices.first { indeg[$0] > 0 } ?? 0
            throw ConvtopError(.graph, "the graph has a cycle through node \(stuck)", node: stuck)
        }
        self.order = order
    }

    public init(graph: Graph) throws { try self.init(predecessors: graph.nodes.map(\.inputs)) }

    public var count: Int { predecessors.count }

    /// Longest path where each node costs `cost(v)`: its length and the nodes on it, source first.
    public func criticalPath(cost: (Int) -> Double) -> (length: Double, path: [Int]) {
        var best = Array(repeating: 0.0, count: count)
        var from = Array(repeating: -1, count: count)
        for v in order {
            var start = 0.0
            for p in predecessors[v] where best[p] > start || (from[v] < 0 && best[p] == start) {
                start = best[p]; from[v] = p
            }
            best[v] = start + cost(v)
        }
        guard let end = best.indices.max(by: { best[$0] < best[$1] || (best[$0] == best[$1] && $0 > $1) }) else {
            return (0, [])
        }
        var path: [Int] = []
        var v = end
        while v >= 0 { path.append(v); v = from[v] }
        return (best[end], path.reversed())
    }

    /// Longest path from each node to any sink, the node's own cost included ("bottom level").
    public func bottomLevels(cost: (Int) -> Double) -> [Double] {
        var level = Array(repeating: 0.0, count: count)
        for v in order.reversed() {
            level[v] = cost(v) + (successors[v].map { level[$0] }.max() ?? 0)
        }
        return level
    }

    /// Size of the largest antichain (most nodes that could run at once), over nodes where `include` holds.
    /// Exact (Dilworth: n − maximum matching on the transitive closure) up to `exactLimit` nodes; above that,
    /// the largest level of an as-soon-as-possible schedule, a lower bound.
    public func width(include: (Int) -> Bool = { _ in true }, exactLimit: Int = 2500) -> Int {
        let vs = (0..<count).filter(include)
        if vs.isEmpty { return 0 }
        if count > exactLimit { return levelWidth(include: include) }
        let reach = BitMatrix.reachability(successors: successors, order: order)
        var index = Array(repeating: -1, count: count)
        for (i, v) in vs.enumerated() { index[v] = i }
        var adj = Array(repeating: [Int](), count: vs.count)
        for (i, u) in vs.enumerated() {
            for (j, v) in vs.enumerated() where reach.get(u, v) { adj[i].append(j) }
        }
        return vs.count - BipartiteMatching.maximum(left: vs.count, right: vs.count, adjacency: adj).size
    }

    /// Largest number of included nodes sharing one depth (longest distance from a source).
    public func levelWidth(include: (Int) -> Bool = { _ in true }) -> Int {
        var depth = Array(repeating: 0, count: count)
        var perLevel: [Int: Int] = [:]
        for v in order {
            depth[v] = (predecessors[v].map { depth[$0] + 1 }.max() ?? 0)
            if include(v) { perLevel[depth[v], default: 0] += 1 }
        }
        return perLevel.values.max() ?? 0
    }

    /// Immediate post-dominator of each node (a virtual exit follows every sink); nil for sinks and the exit.
    public func immediatePostDominators() -> [Int?] {
        let exit = count
        var ipdom = Array(repeating: -1, count: count + 1)
        var rank = Array(repeating: 0, count: count + 1)
        // Nodes nearer the exit (later in topological order) rank higher; the exit ranks highest.
        for (i, v) in order.enumerated() { rank[v] = i }
        rank[exit] = count + 1
        ipdom[exit] = exit
        func intersect(_ a: Int, _ b: Int) -> Int {
            var x = a, y = b
            while x != y {
                while rank[x] < rank[y] { x = ipdom[x] }
                while rank[y] < rank[x] { y = ipdom[y] }
            }
            return x
        }
        // One pass in reverse topological order is exact on a DAG.
        for v in order.reversed() {
            let ss = successors[v].isEmpty ? [exit] : successors[v]
            var d = ss[0]
            for s in ss.dropFirst() { d = intersect(d, s) }
            ipdom[v] = d
        }
        return (0..<count).map { ipdom[$0] == exit ? nil : ipdom[$0] }
    }

    /// How many fork–join regions there are (nodes with two or more consumers), without listing their branches:
    /// linear, where listing them is not (nested regions repeat their inner nodes).
    public var forkJoinRegionCount: Int { (0..<count).filter { successors[$0].count >= 2 }.count }

    /// Fork–join regions: every node with two or more consumers, its join, and the branches between them.
    public func forkJoinRegions() -> [ForkJoinRegion] {
        let ipdom = immediatePostDominators()
        var pos = Array(repeating: 0, count: count)
        for (i, v) in order.enumerated() { pos[v] = i }
        // A node belongs to the fork being explored when stamp[v] == that fork's number.
        var stamp = Array(repeating: -1, count: count)
        var regions: [ForkJoinRegion] = []
        for (n, f) in order.enumerated() where successors[f].count >= 2 {
            let join = ipdom[f]
            var branches = Array(repeating: [Int](), count: successors[f].count)
            for (b, s) in successors[f].enumerated() where s != join {
                var stack = [s]
                while let v = stack.popLast() {
                    if v == join || stamp[v] == n { continue }
                    stamp[v] = n
                    branches[b].append(v)
                    stack.append(contentsOf: successors[v])
                }
            }
            regions.append(ForkJoinRegion(fork: f, join: join, branches: branches.map { $0.sorted { pos[$0] < pos[$1] } }))
        }
        return regions
    }
}

extension Graph {
    /// Analyses of this graph's DAG. The builder's graphs are acyclic by construction.
    public func dag() -> DAG {
        // Node inputs always refer to existing nodes; a cycle is impossible for built graphs and was rejected for
        // loaded ones, so failure here is a programming error.
        guard let d = try? DAG(graph: self) else { preconditionFailure("graph \(name) is not a DAG") }
        return d
    }

    /// Largest set of compute ops that could run at once.
    public func maxWidth() -> Int {
        let d = dag()
        return d.width(include: { self.nodes[$0].kind != .input })
    }

    /// Fork–join regions of the graph (see `DAG.forkJoinRegions`).
    public func forkJoinRegions() -> [ForkJoinRegion] { dag().forkJoinRegions() }
}
