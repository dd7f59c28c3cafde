/// HEFT-style list scheduling (Topcuoglu et al., IEEE TPDS 2002; applied to operator streams by LIOS, 2023): ops in
/// decreasing upward rank (their cost plus the longest path after them), each one, once ready, on the stream where
/// it would finish earliest by the simulator's standalone cost estimate, counting a cross-stream wait as `syncUs`.
extension Policies {
    static func heft(_ od: OpDAG, pool: Int, cost: [Double], syncUs: Double, into s: inout Schedule) {
        let c = { (v: Int) in cost[od.ops[v]] }
        let rank = od.dag.bottomLevels(cost: c)
        var finish = Array(repeating: 0.0, count: od.count)
        var stream = Array(repeating: 0, count: od.count)
        var streamFree = Array(repeating: 0.0, count: pool)
        var waiting = od.dag.predecessors.map(\.count)
        struct Ready: Comparable {
            var rank: Double, v: Int
            static func < (a: Ready, b: Ready) -> Bool { a.rank > b.rank || (a.rank == b.rank && a.v < b.v) }
        }
        var ready = MinHeap<Ready>()
        for v in 0..<od.count where waiting[v] == 0 { ready.push(Ready(rank: rank[v], v: v)) }
        var order: [Int] = []
        while let r = ready.pop() {
            let v = r.v
            // Earliest finish on each stream: after the stream frees and after every input (plus a wait across streams).
            var best = 0, bestFinish = Double.infinity
            for st in 0..<pool {
                let inputs = od.dag.predecessors[v].map { finish[$0] + (stream[$0] == st ? 0 : syncUs) }.max() ?? 0
                let f = max(streamFree[st], inputs) + c(v)
                if f < bestFinish - 1e-9 { best = st; bestFinish = f }
            }
            finish[v] = bestFinish
            stream[v] = best
            streamFree[best] = bestFinish
            s.streamOfOp[od.ops[v]] = best
            order.append(od.ops[v])
            for w in od.dag.successors[v] {
                waiting[w] -= 1
                if waiting[w] == 0 { ready.push(Ready(rank: rank[w], v: w)) }
            }
        }
        s.launchOrder = order
    }
}
