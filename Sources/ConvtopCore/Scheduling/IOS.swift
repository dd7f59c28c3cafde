/// IOS, inter-operator scheduling (Ding et al., "IOS: Inter-Operator Scheduler for CNN Acceleration", MLSys 2021).
///
/// The ops are cut into blocks at the ops every path passes through; within a block, dynamic programming over the
/// set of ops already run picks a sequence of *stages*. A stage runs up to `maxGroups` independent groups at once,
/// one stream each; a group is a connected chain of up to `maxGroupUnits` units (a unit is a convolution with the
/// element-wise ops that follow it alone). IOS measures each stage on the GPU; convtop simulates it alone on an idle
/// GPU with its own simulator, once per distinct stage (cached). A block whose search would visit more than
/// `maxStates` sets falls back to IOS's greedy stages (everything ready at once) and is reported as such.
///
/// Not modelled: IOS's *operator merge* (two convolutions on one input fused into one wider convolution), which
/// changes the kernels themselves rather than where they run.
public struct IOSSearch: Sendable {
    /// Pruning, as IOS bounds its search: groups per stage and units per group; states per block.
    public var maxGroups = 3
    public var maxGroupUnits = 2
    public var maxStates = 4_000

    /// What the search did, for `convtop auto` and the README.
    public struct Stats: Sendable, Hashable {
        public var blocks = 0
        /// Blocks that fell back to greedy stages (their search space exceeded `maxStates`).
        public var greedyBlocks = 0
        /// Distinct stages simulated.
        public var stagesSimulated = 0
        public var stages = 0
    }

    public init() {}

    /// Streams, launch order and stage count for `w`'s ops; `pool` bounds the streams.
    public func schedule(_ w: Workload, pool: Int) -> (Schedule, Stats) {
        let kg = w.kernels
        let od = OpDAG(kg)
        var s = Schedule(policy: .ios, streamOfOp: Array(repeating: nil, count: kg.graph.nodes.count), launchOrder: [],
                         priorityOfOp: Array(repeating: 0, count: kg.graph.nodes.count),
                         smRangeOfOp: Array(repeating: nil, count: kg.graph.nodes.count))
        let units = IOSUnits(od, graph: kg.graph)
        var stats = Stats()
        var coster = StageCoster(workload: w, od: od, units: units)
        for block in units.blocks() {
            stats.blocks += 1
            var dp = BlockSearch(units: units, block: block, search: self)
            let stages = dp.run(&coster) ?? { stats.greedyBlocks += 1; return dp.greedy() }()
            for stage in stages {
                stats.stages += 1
                units.run(stage, pool: pool, into: &s)
            }
        }
        stats.stagesSimulated = coster.simulated
        return (s, stats)
    }
}

/// Units of the op DAG (chains of ops, each starting at an op with several inputs, or whose input feeds several ops,
/// or that is a convolution or matrix product) and their DAG.
struct IOSUnits {
    let od: OpDAG
    /// Op indices (OpDAG) of each unit, in order; the unit of each op.
    var members: [[Int]] = []
    var unitOf: [Int]
    var preds: [[Int]] = [], succs: [[Int]] = []

    init(_ od: OpDAG, graph: Graph) {
        self.od = od
        unitOf = Array(repeating: -1, count: od.count)
        let dag = od.dag
        for v in dag.order {
            let p = dag.predecessors[v]
            let heavy: Bool = {
                switch graph.nodes[od.ops[v]].kind {
                case .conv, .linear, .matmul, .convDataGrad, .convWeightGrad, .linearDataGrad, .linearWeightGrad: return true
                default: return false
                }
            }()
            if p.count == 1, dag.successors[p[0]].count == 1, !heavy {
                unitOf[v] = unitOf[p[0]]
                members[unitOf[v]].append(v)
            } else {
                unitOf[v] = members.count
                members.append([v])
            }
        }
        preds = Array(repeating: [], count: members.count)
        succs = Array(repeating: [], count: members.count)
        for (u, ms) in members.enumerated() {
            let ps = Set(dag.predecessors[ms[0]].map { unitOf[$0] })
            preds[u] = ps.sorted()
            for p in ps { succs[p].append(u) }
        }
    }

    /// Units split at the units every path passes through (no dependency edge jumps over them); each block is a run
    /// of consecutive units in topological order (unit ids are topological).
    func blocks() -> [[Int]] {
        let n = members.count
        var jump = Array(repeating: 0, count: n + 1)
        for u in 0..<n { for w in succs[u] where w > u + 1 { jump[u + 1] += 1; jump[w] -= 1 } }
        var out: [[Int]] = [], cur: [Int] = [], cover = 0
        for u in 0..<n {
            cover += jump[u]
            if cover > 0 { cur.append(u); continue }
            // Nothing jumps over u: it is a block of its own, and closes the one before it.
            if !cur.isEmpty { out.append(cur); cur = [] }
            out.append([u])
        }
        if !cur.isEmpty { out.append(cur) }
        return out
    }

    /// Appends a stage to a schedule: each group on its own stream of the pool, its ops launched in order.
    func run(_ stage: [Int], pool: Int, into s: inout Schedule) {
        for (g, group) in groups(of: stage).enumerated() {
            for u in group { for v in members[u] { s.streamOfOp[od.ops[v]] = g % max(pool, 1) } }
        }
        s.launchOrder += stage.flatMap { members[$0] }.sorted().map { od.ops[$0] }
    }

    /// The groups of a stage: its units joined by dependency edges (connected components), in unit order.
    func groups(of stage: [Int]) -> [[Int]] {
        let set = Set(stage)
        var comp: [Int: Int] = [:], out: [[Int]] = []
        for u in stage.sorted() {
            let joined = Set(preds[u].filter { set.contains($0) }.compactMap { comp[$0] })
            if let first = joined.min() {
                for other in joined where other != first { out[first] += out[other]; for x in out[other] { comp[x] = first }; out[other] = [] }
                out[first].append(u); comp[u] = first
            } else {
                comp[u] = out.count; out.append([u])
            }
        }
        return out.filter { !$0.isEmpty }.map { $0.sorted() }
    }
}

/// Each distinct stage simulated once, alone on an idle GPU: its groups on their own streams, from one launch.
/// Under CUDA Graph replay a stage runs inside the network's one replay, which pays the replay's floor (its shortest
/// time and what each parallel branch adds to it) once: a stage is costed without it, so that a stage of short
/// kernels is not priced at the floor whatever it holds (with it, Inception-v3's schedule at batch 1 came out 4% slower).
struct StageCoster {
    let workload: Workload
    /// The GPU stages are simulated on: the workload's, without a replay floor.
    var stageGPU: GPUSpec {
        var g = workload.gpu
        g.graphLaunchPerBranchUs = nil
        g.graphLaunchUs = g.graphDeviceStartUs
        return g
    }
    let od: OpDAG
    let units: IOSUnits
    /// Stages already simulated, by the kernels of their groups: repeated cells (ResNet, NASNet) share their costs.
    var cache: [[[Int]]: Double] = [:]
    var simulated = 0
    /// Each op's kernels as an id (ops with identical kernels share one), and each unit's lower bounds: its chain
    /// with unlimited SMs, and its work spread over the whole GPU.
    var opSignature: [Int] = []
    var unitChain: [Double] = [], unitWork: [Double] = []

    init(workload: Workload, od: OpDAG, units: IOSUnits) {
        self.workload = workload; self.od = od; self.units = units
        let kg = workload.kernels, gpu = workload.gpu, timing = TimingModel(gpu: gpu)
        struct KernelShape: Hashable { var name: String, grid: Dim3, block: Dim3, regs: Int, smem: Int, flops: Double, bytes: Double }
        var ids: [[KernelShape]: Int] = [:]
        opSignature = od.ops.map { op in
            let shape = kg.opKernels[op].map { k in
                let x = kg.kernels[k]
                return KernelShape(name: x.name, grid: x.grid, block: x.block, regs: x.registersPerThread,
                                   smem: x.sharedMemoryPerBlock, flops: x.flops, bytes: x.bytes)
            }
            if let i = ids[shape] { return i }
            ids[shape] = ids.count
            return ids.count - 1
        }
        for ms in units.members {
            var chain = 0.0, work = 0.0
            for v in ms {
                for k in kg.opKernels[od.ops[v]] {
                    let x = kg.kernels[k], m = kg.measuredUs?[k]
                    chain += timing.unlimitedDuration(x, measured: m)
                    let perWave = Double(max(1, BlockFootprint(kernel: x, gpu: gpu).blocksPerSM(gpu) * gpu.smCount))
                    let alone = m ?? timing.standaloneDuration(x)
                    work += max(0, alone - gpu.kernelLatencyUs) * min(1, Double(x.blocks) / perWave)
                }
            }
            unitChain.append(chain); unitWork.append(work)
        }
    }

    /// A bound the stage's simulated time is not expected to beat: its longest group with unlimited SMs, or all its
    /// work spread over the whole GPU (90% of it, as co-running kernels can share SMs a little better than alone).
    func lowerBound(_ stage: [Int]) -> Double {
        let chain = units.groups(of: stage).map { $0.reduce(0) { $0 + unitChain[$1] } }.max() ?? 0
        return max(chain, 0.9 * stage.reduce(0) { $0 + unitWork[$1] })
    }

    mutating func cost(_ stage: [Int]) -> Double {
        let groups = units.groups(of: stage.sorted())
        let key = groups.map { $0.flatMap { units.members[$0].map { opSignature[$0] } } }.sorted { $0.lexicographicallyPrecedes($1) }
        if let c = cache[key] { return c }
        let kg = workload.kernels
        let n = kg.graph.nodes.count
        var opKernels = Array(repeating: [Int](), count: n)
        var newID: [Int: Int] = [:]
        var kernels: [Kernel] = []
        var measured: [Double] = []
        var schedule = Schedule(policy: .ios, streamOfOp: Array(repeating: nil, count: n), launchOrder: [],
                                priorityOfOp: Array(repeating: 0, count: n), smRangeOfOp: Array(repeating: nil, count: n))
        let ops = groups.enumerated().flatMap { g, us in us.flatMap { units.members[$0] }.map { (od.ops[$0], g) } }.sorted { $0.0 < $1.0 }
        for (op, g) in ops {
            schedule.streamOfOp[op] = g
            schedule.launchOrder.append(op)
            for k in kg.opKernels[op] {
                var copy = kg.kernels[k]
                copy.id = kernels.count
                copy.deps = copy.deps.compactMap { newID[$0] }
                newID[k] = copy.id
                opKernels[op].append(copy.id)
                kernels.append(copy)
                if let m = kg.measuredUs { measured.append(m[k]) }
            }
        }
        let sub = KernelGraph(graph: kg.graph, kernels: kernels, opKernels: opKernels, precision: kg.precision,
                              measuredUs: kg.measuredUs == nil ? nil : measured)
        var options = SimulationOptions()
        options.launch = workload.scenario.launch
        options.jitter = 0
        options.recordBlocks = false
        options.maxWaves = 1
        let t = (try? Simulator(kernels: sub, schedule: schedule, gpu: stageGPU, options: options).run().iterationTime) ?? .infinity
        simulated += 1
        cache[key] = t
        return t
    }
}

/// The dynamic programme over one block: f(done) = min over stages S of cost(S) + f(done ∪ S), where a stage is up
/// to `maxGroups` chains, each starting at a unit whose inputs are done and following single successors for up to
/// `maxGroupUnits` units.
struct BlockSearch {
    let units: IOSUnits
    let block: [Int]
    let search: IOSSearch
    /// Local index of each unit of the block, and each local unit's predecessors inside the block as a bit mask.
    var local: [Int: Int] = [:]
    var predMask: [UInt64] = []
    var memo: [UInt64: (cost: Double, stage: UInt64)] = [:]
    var exceeded = false

    init(units: IOSUnits, block: [Int], search: IOSSearch) {
        self.units = units; self.block = block; self.search = search
        for (i, u) in block.enumerated() { local[u] = i }
        predMask = block.map { u in units.preds[u].reduce(0 as UInt64) { m, p in local[p].map { m | 1 << UInt64($0) } ?? m } }
    }

    /// The stages in order, or nil when the block is too large to search (more than 64 units or `maxStates` sets).
    mutating func run(_ coster: inout StageCoster) -> [[Int]]? {
        guard block.count <= 64 else { return nil }
        let full: UInt64 = block.count == 64 ? ~0 : (1 << UInt64(block.count)) - 1
        _ = best(0, full: full, &coster)
        if exceeded { return nil }
        var done: UInt64 = 0, out: [[Int]] = []
        while done != full, let step = memo[done] {
            out.append(units(of: step.stage))
            done |= step.stage
        }
        return out
    }

    func units(of mask: UInt64) -> [Int] { block.indices.filter { mask & (1 << UInt64($0)) != 0 }.map { block[$0] } }

    mutating func best(_ done: UInt64, full: UInt64, _ coster: inout StageCoster) -> Double {
        if done == full { return 0 }
        if let m = memo[done] { return m.cost }
        if exceeded || memo.count >= search.maxStates { exceeded = true; return .infinity }
        var bestCost = Double.infinity, bestStage: UInt64 = 0
        // The rest after each stage first (memoized); then stages in order of their bound, simulated only while the
        // bound could still beat the best found (branch and bound).
        var options: [(stage: UInt64, rest: Double, bound: Double)] = []
        for stage in stages(after: done) {
            let rest = best(done | stage, full: full, &coster)
            options.append((stage, rest, rest + coster.lowerBound(units(of: stage))))
        }
        options.sort { $0.bound < $1.bound || ($0.bound == $1.bound && $0.stage < $1.stage) }
        for o in options {
            if o.bound >= bestCost - 1e-9 { break }
            let c = coster.cost(units(of: o.stage)) + o.rest
            if c < bestCost - 1e-9 || (abs(c - bestCost) <= 1e-9 && o.stage < bestStage) { bestCost = c; bestStage = o.stage }
        }
        memo[done] = (bestCost, bestStage)
        return bestCost
    }

    /// Every stage that can run once `done` has: choices of up to `maxGroups` ready units, each extended along single
    /// successors (whose inputs are then all available) by 0 to `maxGroupUnits` − 1 units.
    func stages(after done: UInt64) -> [UInt64] {
        let ready = block.indices.filter { done & (1 << UInt64($0)) == 0 && predMask[$0] & ~done == 0 }
        // The chains each ready unit can start.
        let chains: [[UInt64]] = ready.map { start in
            var out: [UInt64] = [1 << UInt64(start)]
            var cur = start, mask: UInt64 = 1 << UInt64(start)
            while out.count < search.maxGroupUnits {
                let next = units.succs[block[cur]].compactMap { local[$0] }
                guard next.count == 1, predMask[next[0]] & ~(done | mask) == 0 else { break }
                cur = next[0]; mask |= 1 << UInt64(cur); out.append(mask)
            }
            return out
        }
        var result: [UInt64] = []
        func pick(_ i: Int, _ acc: UInt64, _ groups: Int) {
            if i == chains.count { if acc != 0 { result.append(acc) }; return }
            pick(i + 1, acc, groups)
            guard groups < search.maxGroups else { return }
            for c in chains[i] { pick(i + 1, acc | c, groups + 1) }
        }
        pick(0, 0, 0)
        return result
    }

    /// IOS's greedy baseline: every ready unit in one stage, repeatedly.
    func greedy() -> [[Int]] {
        var done = Set<Int>(), out: [[Int]] = []
        var left = Set(block)
        while !left.isEmpty {
            let stage = left.filter { u in units.preds[u].allSatisfy { local[$0] == nil || done.contains($0) } }.sorted()
            guard !stage.isEmpty else { break }
            for u in stage { left.remove(u); done.insert(u) }
            out.append(stage)
        }
        return out
    }
}

extension Policies {
    /// IOS's greedy stages (every ready unit at once, block by block), for when stages cannot be simulated.
    static func greedyStages(_ kg: KernelGraph, od: OpDAG, pool: Int, into s: inout Schedule) {
        let units = IOSUnits(od, graph: kg.graph)
        s.launchOrder = []
        for block in units.blocks() {
            for stage in BlockSearch(units: units, block: block, search: IOSSearch()).greedy() {
                units.run(stage, pool: pool, into: &s)
            }
        }
    }
}
