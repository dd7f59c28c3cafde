/// A contiguous range of SMs a kernel may use (resource-aware policies); the whole GPU by default.
public struct SMRange: Sendable, Hashable, Codable {
    public var lower: Int
    public var upper: Int
    public init(_ lower: Int, _ upper: Int) { self.lower = lower; self.upper = upper }
    public var count: Int { upper - lower }
}

/// What a policy decides: a stream, a priority and an SM range per op, and the host launch order.
public struct Schedule: Sendable {
    public var policy: PolicyKind
    /// Stream of each graph node; nil for nodes without kernels (views, inputs).
    public var streamOfOp: [Int?]
    /// Ops in host launch order (a topological order of the active ops).
    public var launchOrder: [Int]
    /// Stream priority of each op: higher runs first among pending grids.
    public var priorityOfOp: [Int]
    /// SM range of each op; nil means every SM.
    public var smRangeOfOp: [SMRange?]

    /// Number of distinct streams the schedule uses.
    public var streamCount: Int { Set(streamOfOp.compactMap { $0 }).count }
}

/// The op-level DAG of a kernel graph: active ops (those with kernels) and their dependencies.
public struct OpDAG: Sendable {
    /// Graph node id of each compact op index.
    public let ops: [Int]
    public let index: [Int: Int]
    public let dag: DAG

    public init(_ kg: KernelGraph) {
        ops = kg.activeOps
        var idx: [Int: Int] = [:]
        for (i, o) in ops.enumerated() { idx[o] = i }
        index = idx
        let preds = ops.map { op -> [Int] in
            let first = kg.kernels[kg.opKernels[op][0]]
            return Array(Set(first.deps.map { idx[kg.kernels[$0].op]! })).sorted()
        }
        // Kernel dependencies always point to earlier ops, so this cannot fail.
        dag = try! DAG(predecessors: preds)
    }

    public var count: Int { ops.count }
}
