/// HEFT-style list scheduling (Topcuoglu et al., IEEE TPDS 2002; applied to operator streams by LIOS, 2023): ops in
/// decreasing upward rank (their cost plus the longest path after them), each one, once ready, on the stream where
/// it would finish earliest by the simulator's standalone cost estimate, counting a cross-stream wait as `syncUs`.
extension Policies {
    static func heft(_ od: OpDAG, pool: Int, cost: [Double], syncUs: Double, into s: inout Schedule) {
        let c = { (v: Int) in cost[od.ops[v]] }
        var streamFree = Array(repeating: 0.0, count: pool)
        listSchedule(od, priority: od.dag.bottomLevels(cost: c), into: &s) { v, finish, stream in
            // Earliest finish on each stream: after the stream frees and after every input (plus a wait across streams).
            var best = 0, bestFinish = Double.infinity
            for st in 0..<pool {
                let inputs = od.dag.predecessors[v].map { finish[$0] + (stream[$0] == st ? 0 : syncUs) }.max() ?? 0
                let f = max(streamFree[st], inputs) + c(v)
                if f < bestFinish - 1e-9 { best = st; bestFinish = f }
            }
            streamFree[best] = bestFinish
            return (best, bestFinish)
        }
    }
}
