/// The seed paper's proposal as CUDA green contexts allow it (CUDA 12.4+): the branches of each fork get disjoint SM
/// partitions, sized by each branch's share of the branches' work, in the granularity the architecture allows
/// (multiples of 8 SMs on Hopper; 4 on Ampere, 2 on Volta and Turing, 1 before: the minimums flashinfer PR #1190
/// lists). Streams follow the branch rule; ops outside any fork run on every SM, and forks nested in a branch (or
/// overlapping one already partitioned) stay in that partition.
extension Policies {
    /// Partition granularity in SMs for a compute capability major version.
    public static func greenContextGranularity(ccMajor: Int) -> Int {
        switch ccMajor {
        case 9...: return 8
        case 8: return 4
        case 7: return 2
        default: return 1
        }
    }

    static func greenContexts(_ kg: KernelGraph, od: OpDAG, pool: Int, smCount: Int, granularity: Int, cost: [Double],
                              into s: inout Schedule) {
        branch(od, graph: kg.graph, pool: pool, into: &s)
        let g = max(1, granularity)
        for region in kg.graph.forkJoinRegions() {
            let branches = region.branches.filter { b in b.contains { !kg.opKernels[$0].isEmpty } }
            guard branches.count > 1 else { continue }
            // Forks inside a branch keep that branch's partition (splitting it again leaves slivers of SMs), and an
            // op two regions share keeps the first partition it got.
            guard s.smRangeOfOp[region.fork] == nil, !branches.joined().contains(where: { s.smRangeOfOp[$0] != nil }) else { continue }
            let base = SMRange(0, smCount)
            let granules = base.count / g
            guard granules >= branches.count else { continue }
            let work = branches.map { b in max(b.reduce(0) { $0 + cost[$1] }, 1e-9) }
            let total = work.reduce(0, +)
            // Each branch at least one granule; the rest by largest share of work (ties to the earlier branch).
            var size = Array(repeating: 1, count: branches.count)
            var left = granules - branches.count
            let ideal = work.map { $0 / total * Double(granules) }
            while left > 0 {
                let i = branches.indices.max { ideal[$0] - Double(size[$0]) < ideal[$1] - Double(size[$1]) || (ideal[$0] - Double(size[$0]) == ideal[$1] - Double(size[$1]) && $0 > $1) }!
                size[i] += 1
                left -= 1
            }
            var lower = base.lower
            for (i, b) in branches.enumerated() {
                let upper = i == branches.count - 1 ? base.upper : lower + size[i] * g
                for op in b where !kg.opKernels[op].isEmpty { s.smRangeOfOp[op] = SMRange(lower, upper) }
                lower = upper
            }
        }
    }
}
