/// PyTorch's `nn.MultiheadAttention` at inference: its fused fast path (`_native_multi_head_attention`) projects the
/// batch-first input with one packed Q/K/V product, reads the heads strided and writes the output back batch-first,
/// so it launches no copy. The exporters write the slow path instead — the input transposed to sequence-first, the
/// heads merged back, the output transposed back to batch-first — and each of those permutes is a copy in the graph.
///
/// Where a fused attention (`AttentionFusion`) takes Q, K and V through views from one linear layer, the permutes
/// between that projection and the block's input, between the attention and the output projection, and after the
/// output projection launch nothing in a forward pass (`Node.inferenceView`). A training step runs the slow path
/// (the fast path is for inference only) and keeps them as copies. (ViT-B/16's H200 profiles, Assets/onnx/measured/kernels.jsonl.gz: no copy in any
/// encoder layer at batch 1 or 32; its export has three per layer.) Separate Q, K and V projections (as Hugging Face
/// models write them) are not this path and keep their copies.
public enum MultiheadFastPath {
    public static func apply(_ g: Graph) -> Graph {
        let succ = g.successors()
        func throughViews(_ x: Int) -> Int {
            var x = x
            while g.nodes[x].kind == .view, let y = g.nodes[x].inputs.first { x = y }
            return x
        }
        func isLinear(_ x: Int) -> Bool { if case .linear = g.nodes[x].kind { return true } else { return false } }
        func isPermute(_ x: Int) -> Bool { g.nodes[x].kind == .copy(.transpose) }
        var views = Set<Int>()
        // Permutes and views leading forward from `x` (one use each), up to the first other op; the permutes found.
        func forward(from x: Int) -> (permutes: [Int], end: Int?) {
            var found: [Int] = [], x = x
            while succ[x].count == 1, let y = succ[x].first, g.nodes[y].kind == .view || isPermute(y) {
                if isPermute(y) { found.append(y) }
                x = y
            }
            return (found, succ[x].count == 1 ? succ[x].first : nil)
        }
        for a in g.nodes {
            guard case .attention = a.kind, a.inputs.count == 3 else { continue }
            let sources = Set(a.inputs.map(throughViews))
            guard sources.count == 1, let proj = sources.first, isLinear(proj), let input = g.nodes[proj].inputs.first else { continue }
            let (afterAttention, outProj) = forward(from: a.id)
            guard let out = outProj, isLinear(out) else { continue }
            // The input's permute into sequence-first (through views), used by the projection alone.
            var x = input, before: [Int] = []
            while g.nodes[x].kind == .view || isPermute(x), succ[x].count == 1, let y = g.nodes[x].inputs.first {
                if isPermute(x) { before.append(x) }
                x = y
            }
            views.formUnion(before + afterAttention + forward(from: out).permutes)
        }
        guard !views.isEmpty else { return g }
        return g.rewritten(removing: []) { n in
            if views.contains(n.id) { n.inferenceView = true }
        }
    }
}
