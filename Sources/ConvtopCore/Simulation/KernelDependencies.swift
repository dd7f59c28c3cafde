/// What each kernel of a schedule waits for before it may start, as the simulator runs it: the last kernels of the ops
/// it reads (views pass their producers' through), the events of autograd's nodes without kernels (`AutogradEvents`),
/// and the kernel launched before it on its own stream. `convtop validate` holds the same dependencies against the
/// graphs CUDA captured from PyTorch (`StepGraphCheck`).
public struct KernelDependencies: Sendable {
    /// Kernels in host launch order (the schedule's op order, each op's kernels in turn).
    public let order: [Int]
    /// Per kernel: the kernels of other ops it waits for (on any stream, its own included).
    public let producers: [[Int]]
    /// Per kernel: the kernel launched just before it on its stream.
    public let streamPredecessor: [Int?]

    /// `autogradEvents` false leaves out `AutogradEvents` (what `convtop validate` compares without them).
    public init(_ kg: KernelGraph, schedule: Schedule, autogradEvents: Bool = true) {
        order = schedule.launchOrder.flatMap { kg.opKernels[$0] }
        // Out-of-order backprop splits each backward node: the data gradient goes on at once, and only the optimizer
        // waits for the weight gradients (autograd's own nodes hand the data gradient on after both, `TrainingGraph`).
        let detached = schedule.policy == .oooBackprop
        let autograd = autogradEvents ? AutogradEvents.extraDependencies(kg, schedule: schedule)
                                      : Array(repeating: [], count: kg.kernels.count)
        var producers = Array(repeating: [Int](), count: kg.kernels.count)
        var before = [Int?](repeating: nil, count: kg.kernels.count)
        var lastOnStream: [Int: Int] = [:]
        for k in order {
            var deps = Set(kg.kernels[k].deps).union(autograd[k])
            if detached && kg.graph.nodes[kg.kernels[k].op].phase != .update {
                deps = deps.filter { kg.kernels[$0].op == kg.kernels[k].op || !kg.graph.nodes[kg.kernels[$0].op].kind.isWeightGradient }
            }
            producers[k] = deps.sorted()
            let s = schedule.streamOfOp[kg.kernels[k].op] ?? 0
            before[k] = lastOnStream[s]
            lastOnStream[s] = k
        }
        self.producers = producers
        streamPredecessor = before
    }
}
