/// The events autograd's nodes without kernels record, under a multi-stream schedule.
///
/// PyTorch's engine runs every backward node on its forward op's stream, in its own order, and hands each output
/// gradient to a consumer on another stream through an event it records on its own stream at that moment
/// (`InputBuffer::add`). A node that launches kernels records it after them. A node that launches none (an addition's,
/// a concatenation's or a flatten's backward, a convolution's hand-off after both gradients) records it behind
/// whatever its stream launched before it: the gradient sums other branches queued there, the backward ops of later
/// layers that share the stream. So its consumers wait for all of that, not for their gradient alone.
///
/// Measured: the CUDA Graph of NASNet's training step at batch 1 with the branch rule
/// (`Assets/calibration/round26`, measure_step_dag.py) holds 43 dependencies that convtop's graph did not imply, every
/// one of them such an event; with them, the step's longest chain at convtop's kernel times is 19% longer (3,161
/// against 2,658 µs), and the captured one's.
public enum AutogradEvents {
    /// Extra dependencies of each kernel (indexed by kernel id): the kernels its op waits for through the events of the
    /// backward views among its inputs. Empty unless `kg` is a training step and the schedule uses several streams.
    /// Views take their position in autograd's order by id among the launched ops; ops are taken in launch order.
    public static func extraDependencies(_ kg: KernelGraph, schedule: Schedule) -> [[Int]] {
        var extra = Array(repeating: [Int](), count: kg.kernels.count)
        let nodes = kg.graph.nodes
        guard kg.graph.mode == .training, schedule.policy != .oooBackprop, schedule.streamCount > 1 else { return extra }
        // The stream a view's node runs on: its forward op's, or (a view in the forward pass too) its nearest active
        // producer's, as Policies.backwardFollowsForward assigns backward ops; the main stream otherwise.
        func streamOfView(_ v: Node) -> Int {
            var f = v.forwardOf, hops = 0
            while let u = f, kg.opKernels[u].isEmpty, hops < 64 { f = nodes[u].inputs.first; hops += 1 }
            return f.flatMap { kg.opKernels[$0].isEmpty ? nil : schedule.streamOfOp[$0] } ?? 0
        }
        // events[v]: what a backward view's consumers wait for beyond its producers (its stream's tail when it ran,
        // and what the views it reads waited for).
        var events: [Int: Set<Int>] = [:]
        var lastOnStream: [Int: Int] = [:]
        let views = nodes.filter { $0.phase == .backward && $0.forwardOf != nil && kg.opKernels[$0.id].isEmpty }.map(\.id)
        var nextView = 0
        func runViews(before id: Int) {
            while nextView < views.count && views[nextView] < id {
                let v = nodes[views[nextView]]
                var e = Set<Int>()
                if let tail = lastOnStream[streamOfView(v)] { e.insert(tail) }
                for i in v.inputs { if let u = events[i] { e.formUnion(u) } }
                events[v.id] = e
                nextView += 1
            }
        }
        for op in schedule.launchOrder {
            runViews(before: op)
            let ks = kg.opKernels[op]
            guard let first = ks.first else { continue }
            var waits = Set<Int>()
            for i in nodes[op].inputs { if let e = events[i] { waits.formUnion(e) } }
            extra[first] = waits.filter { kg.kernels[$0].op != op }.sorted()
            lastOnStream[schedule.streamOfOp[op] ?? 0] = ks[ks.count - 1]
        }
        return extra
    }
}
