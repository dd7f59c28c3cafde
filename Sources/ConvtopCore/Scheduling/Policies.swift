/// The stream-assignment algorithms behind the multi-stream policies.
enum Policies {
    /// Ops above which analyses that need the n² reachability matrix use linear approximations instead.
    static let largeGraph = 10_000

    /// Opara's rule, as the PyTorch multi-stream scripts apply it: an op takes the stream of its first input, in
    /// argument order, that no earlier op has claimed; an op whose inputs are all claimed (or that has none) takes
    /// the next stream of the pool, round robin. Views without kernels are transparent: their producers stand in.
    static func branch(_ od: OpDAG, graph: Graph, pool: Int, into s: inout Schedule) {
        var claimed = Array(repeating: false, count: od.count)
        var next = 0
        for v in od.dag.order {
            let op = od.ops[v]
            if let p = argumentOrderProducers(of: op, graph: graph, od: od).first(where: { !claimed[$0] }) {
                claimed[p] = true
                s.streamOfOp[op] = s.streamOfOp[od.ops[p]]
            } else {
                s.streamOfOp[op] = next % pool
                next += 1
            }
        }
    }

    /// The active producers (compact indices) of `op`'s inputs in argument order, looking through views.
    static func argumentOrderProducers(of op: Int, graph: Graph, od: OpDAG) -> [Int] {
        var out: [Int] = []
        var seen = Set<Int>()
        func visit(_ node: Int, depth: Int) {
            if let i = od.index[node] {
                if seen.insert(i).inserted { out.append(i) }
                return
            }
            guard depth < 64 else { return }
            for input in graph.nodes[node].inputs { visit(input, depth: depth + 1) }
        }
        for input in graph.nodes[op].inputs { visit(input, depth: 0) }
        return out
    }

    /// PyTorch's training streams: autograd runs every backward op on the stream of its forward op, and the loss,
    /// its gradient and the optimizer run on the main stream (0). Only forward ops keep the policy's choice.
    static func backwardFollowsForward(_ kg: KernelGraph, into s: inout Schedule) {
        let nodes = kg.graph.nodes
        for op in kg.activeOps {
            let n = nodes[op]
            switch n.phase {
            case .forward:
                if n.kind == .softmaxCrossEntropy { s.streamOfOp[op] = 0; s.priorityOfOp[op] = 0; s.smRangeOfOp[op] = nil }
            case .update:
                s.streamOfOp[op] = 0; s.priorityOfOp[op] = 0; s.smRangeOfOp[op] = nil
            case .backward:
                // The forward op may have no kernels (a view): its nearest active producer's stream, else the main one.
                var f = n.forwardOf
                var hops = 0
                while let v = f, kg.opKernels[v].isEmpty, hops < 64 { f = nodes[v].inputs.first; hops += 1 }
                let fwd = f.flatMap { kg.opKernels[$0].isEmpty ? nil : $0 }
                s.streamOfOp[op] = fwd.flatMap { s.streamOfOp[$0] } ?? 0
                s.priorityOfOp[op] = fwd.map { s.priorityOfOp[$0] } ?? 0
                s.smRangeOfOp[op] = fwd.flatMap { s.smRangeOfOp[$0] }
            }
        }
    }

    /// Nimble: chains from a maximum matching over the transitive reduction; each chain is a stream (fewest streams),
    /// folded onto the pool when there are more chains than streams.
    static func nimble(_ od: OpDAG, pool: Int, into s: inout Schedule) {
        let n = od.count
        var reduced = Array(repeating: [Int](), count: n)
        if n <= largeGraph {
            let reach = BitMatrix.reachability(successors: od.dag.successors, order: od.dag.order)
            for u in 0..<n {
                let succ = od.dag.successors[u]
                for v in succ where !succ.contains(where: { $0 != v && reach.get($0, v) }) { reduced[u].append(v) }
            }
        } else {
            // Above `largeGraph` ops the n² reachability matrix would take hundreds of MB: match on the graph's own
            // edges (still a valid chain cover; it may use more chains than the transitive reduction would).
            reduced = od.dag.successors
        }
        let match = BipartiteMatching.maximum(left: n, right: n, adjacency: reduced).matchOfLeft
        var hasMatchedPred = Array(repeating: false, count: n)
        for u in 0..<n where match[u] >= 0 { hasMatchedPred[match[u]] = true }
        var chain = 0
        for head in od.dag.order where !hasMatchedPred[head] {
            var v = head
            while true {
                s.streamOfOp[od.ops[v]] = chain % pool
                guard match[v] >= 0 else { break }
                v = match[v]
            }
            chain += 1
        }
    }

    /// Out-of-order backprop (Oh et al., "Out-Of-Order BackProp", EuroSys 2022): weight-gradient kernels leave the
    /// main stream for a side stream, so the next layer's data gradient (the critical path) starts at once and the
    /// weight gradients fill the SMs it leaves idle. The optimizer on the main stream waits for them all.
    static func weightGradientsAside(_ kg: KernelGraph, into s: inout Schedule) {
        for op in kg.activeOps {
            switch kg.graph.nodes[op].kind {
            case .convWeightGrad, .linearWeightGrad: s.streamOfOp[op] = 1
            default: break
            }
        }
    }

    /// List scheduling: ready ops pop by `priority` (larger first, then lower index); `place` picks each op's stream
    /// and finish time from its inputs' finish times and streams. The launch order is the pop order.
    static func listSchedule(_ od: OpDAG, priority: [Double], into s: inout Schedule,
                             place: (_ v: Int, _ finish: [Double], _ stream: [Int]) -> (stream: Int, finish: Double)) {
        var finish = Array(repeating: 0.0, count: od.count)
        var stream = Array(repeating: 0, count: od.count)
        var waiting = od.dag.predecessors.map(\.count)
        struct Ready: HeapElement {
            var priority: Double, v: Int
            static func < (a: Ready, b: Ready) -> Bool { a.priority > b.priority || (a.priority == b.priority && a.v < b.v) }
        }
        var ready = MinHeap<Ready>()
        for v in 0..<od.count where waiting[v] == 0 { ready.push(Ready(priority: priority[v], v: v)) }
        var order: [Int] = []
        while let r = ready.pop() {
            let v = r.v
            (stream[v], finish[v]) = place(v, finish, stream)
            s.streamOfOp[od.ops[v]] = stream[v]
            order.append(od.ops[v])
            for w in od.dag.successors[v] {
                waiting[w] -= 1
                if waiting[w] == 0 { ready.push(Ready(priority: priority[w], v: w)) }
            }
        }
        s.launchOrder = order
    }

    /// List scheduling by bottom level: the ready op with the longest remaining path launches first. Ops on the
    /// critical path share stream 0 at high priority; the others go to the stream that frees up first.
    static func criticalPath(_ od: OpDAG, pool: Int, cost: [Double], into s: inout Schedule) {
        let c = { (v: Int) in cost[od.ops[v]] }
        let critical = Set(od.dag.criticalPath(cost: c).path)
        var streamFree = Array(repeating: 0.0, count: pool)
        var high: [Int] = []
        listSchedule(od, priority: od.dag.bottomLevels(cost: c), into: &s) { v, finish, _ in
            let start = od.dag.predecessors[v].map { finish[$0] }.max() ?? 0
            let st: Int
            if critical.contains(v) || pool == 1 {
                st = 0
                high.append(od.ops[v])
            } else {
                st = (1..<pool).min { max(streamFree[$0], start) < max(streamFree[$1], start) || (max(streamFree[$0], start) == max(streamFree[$1], start) && $0 < $1) }!
            }
            let f = max(start, streamFree[st]) + c(v)
            streamFree[st] = f
            return (st, f)
        }
        for op in high { s.priorityOfOp[op] = 1 }
    }

    /// The seed paper's proposal: where ops can overlap, cap each one's SMs so that branches co-run, giving the
    /// critical path the larger share (in steps of 8 SMs, the green-context granularity on Hopper).
    static func capSMs(_ od: OpDAG, smCount: Int, cost: [Double], into s: inout Schedule) {
        let n = od.count
        guard smCount >= 16 else { return }
        let c = { (v: Int) in cost[od.ops[v]] }
        let critical = Set(od.dag.criticalPath(cost: c).path)
        // Work that can overlap each critical op, to size the shares.
        var critWork = 0.0, sideWork = 0.0
        var concurrent = Array(repeating: false, count: n)
        if n <= largeGraph {
            let reach = BitMatrix.reachability(successors: od.dag.successors, order: od.dag.order)
            for v in 0..<n {
                for w in 0..<n where w != v && !reach.get(v, w) && !reach.get(w, v) { concurrent[v] = true; break }
            }
        } else {
            // Large graphs: an op can overlap another when its ASAP level holds more than one op (an approximation
            // that needs no n² matrix).
            var level = Array(repeating: 0, count: n), width: [Int: Int] = [:]
            for v in od.dag.order {
                level[v] = (od.dag.predecessors[v].map { level[$0] + 1 }.max() ?? 0)
                width[level[v], default: 0] += 1
            }
            for v in 0..<n { concurrent[v] = width[level[v], default: 0] > 1 }
        }
        for v in 0..<n {
            guard concurrent[v] else { continue }
            if critical.contains(v) { critWork += c(v) } else { sideWork += c(v) }
        }
        guard sideWork > 0 else { return }
        let frac = min(0.85, max(0.5, critWork / (critWork + sideWork)))
        var critSMs = Int((Double(smCount) * frac / 8).rounded()) * 8
        critSMs = min(max(critSMs, 8), smCount - 8)
        for v in 0..<n where concurrent[v] {
            s.smRangeOfOp[od.ops[v]] = critical.contains(v) ? SMRange(0, critSMs) : SMRange(critSMs, smCount)
        }
    }
}
