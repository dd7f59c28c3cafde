/// The concurrency policies convtop can simulate, in the order of the dashboard's number keys.
public enum PolicyKind: String, Sendable, Codable, CaseIterable {
    case serial
    case roundRobin = "round-robin"
    case branch
    case nimble
    case criticalPath = "critical-path"
    case resourceAware = "resource-aware"
    case oooBackprop = "ooo-backprop"
    case heft
    case ios
    case greenContexts = "green-contexts"

    /// One line on what the policy does.
    public var summary: String {
        switch self {
        case .serial: return "one stream, what frameworks do"
        case .roundRobin: return "ops spread over the stream pool in topological order"
        case .branch: return "an op takes the stream of its first unclaimed input (Opara)"
        case .nimble: return "fewest streams from a maximum matching on the transitive reduction (Nimble)"
        case .criticalPath: return "list scheduling by longest remaining path; critical ops high priority"
        case .resourceAware: return "concurrent kernels get capped SM shares; the critical path the larger"
        case .oooBackprop: return "training: weight gradients on a side stream, off the critical path (Oh et al., EuroSys 2022)"
        case .heft: return "list scheduling by upward rank, each op on its earliest-finish stream (HEFT, as in LIOS 2023)"
        case .ios: return "dynamic programming over stages of concurrent op groups, costed by the simulator (IOS, MLSys 2021)"
        case .greenContexts: return "each fork's branches on disjoint SM partitions sized by their work, in green-context steps (CUDA 12.4+)"
        }
    }

    public static func parse(_ s: String) throws -> PolicyKind {
        if let p = PolicyKind(rawValue: s.lowercased()) { return p }
        throw ConvtopError(.model, "unknown policy '\(s)'; valid policies: \(allCases.map(\.rawValue).joined(separator: ", "))")
    }

    /// Builds the schedule. `cost` holds each graph node's standalone time in microseconds; `syncUs` is what a wait
    /// on another stream costs (HEFT weighs it).
    public func schedule(_ kg: KernelGraph, streams: Int, smCount: Int, cost: [Double], syncUs: Double = 2,
                         partitionGranularity: Int = 8) -> Schedule {
        let od = OpDAG(kg)
        let n = kg.graph.nodes.count
        var s = Schedule(policy: self, streamOfOp: Array(repeating: nil, count: n), launchOrder: od.dag.order.map { od.ops[$0] },
                         priorityOfOp: Array(repeating: 0, count: n), smRangeOfOp: Array(repeating: nil, count: n))
        let pool = max(1, streams)
        switch self {
        case .serial:
            for o in od.ops { s.streamOfOp[o] = 0 }
        case .roundRobin:
            for (i, v) in od.dag.order.enumerated() { s.streamOfOp[od.ops[v]] = i % pool }
        case .branch:
            Policies.branch(od, graph: kg.graph, pool: pool, into: &s)
        case .nimble:
            Policies.nimble(od, pool: pool, into: &s)
        case .criticalPath:
            Policies.criticalPath(od, pool: pool, cost: cost, into: &s)
        case .resourceAware:
            Policies.criticalPath(od, pool: pool, cost: cost, into: &s)
            Policies.capSMs(od, smCount: smCount, cost: cost, into: &s)
        case .oooBackprop:
            for o in od.ops { s.streamOfOp[o] = 0 }
        case .heft:
            Policies.heft(od, pool: pool, cost: cost, syncUs: syncUs, into: &s)
        case .ios:
            // Without a workload to simulate stages (Workload.schedule has one), IOS's greedy stages.
            Policies.greedyStages(kg, od: od, pool: pool, into: &s)
        case .greenContexts:
            Policies.greenContexts(kg, od: od, pool: pool, smCount: smCount, granularity: partitionGranularity, cost: cost, into: &s)
        }
        if kg.graph.mode == .training && self != .serial { Policies.backwardFollowsForward(kg, into: &s) }
        if self == .oooBackprop && pool > 1 { Policies.weightGradientsAside(kg, into: &s) }
        return s
    }
}
