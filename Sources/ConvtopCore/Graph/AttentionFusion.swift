/// Restores scaled dot-product attention where an exporter decomposed it: `softmax(Q·Kᵀ [· scale]) · V`, with the
/// scores used by nothing else, becomes one attention op (PyTorch's `scaled_dot_product_attention` runs one fused
/// kernel). Scores with a bias or mask added before the softmax (Swin, MaxViT, which PyTorch also runs as separate
/// products) stay as they are. A scaling of Q or K alone (the exporters' decomposition splits the softmax scale
/// between them) is folded in, as the fused kernel applies the scale itself. Permutes that only feed the fused op,
/// directly or through other such permutes and views (a projection's Q/K/V split into heads), become views: the
/// fused kernel reads strides.
public enum AttentionFusion {
    public static func apply(_ g: Graph) -> Graph {
        let succ = g.successors()
        var replace: [Int: (removed: [Int], q: Int, k: Int, v: Int, shape: AttentionShape)] = [:]
        for s in g.nodes where s.kind == .softmax {
            guard succ[s.id].count == 1, let pv = succ[s.id].first, case .matmul = g.nodes[pv].kind,
                  g.nodes[pv].inputs.count == 2, g.nodes[pv].inputs[0] == s.id, let scores = s.inputs.first else { continue }
            var removed = [s.id]
            var qk = scores
            if case .unary(.scale) = g.nodes[scores].kind, succ[scores].count == 1, let x = g.nodes[scores].inputs.first {
                removed.append(scores); qk = x
            }
            guard case .matmul(let m) = g.nodes[qk].kind, g.nodes[qk].inputs.count == 2, succ[qk].count == 1 else { continue }
            removed.append(qk)
            // Q or K scaled on its own, used by nothing else: the fused kernel's own scale.
            func unscaled(_ x: Int) -> Int {
                guard case .unary(.scale) = g.nodes[x].kind, succ[x].count == 1, let y = g.nodes[x].inputs.first else { return x }
                removed.append(x)
                return y
            }
            let q = unscaled(g.nodes[qk].inputs[0]), k = unscaled(g.nodes[qk].inputs[1])
            let shape = AttentionShape(batch: m.batch, heads: 1, seqQ: m.m, seqK: m.n, headDim: m.k)
            replace[pv] = (removed, q, k, g.nodes[pv].inputs[1], shape)
        }
        guard !replace.isEmpty else { return g }
        let removed = Set(replace.values.flatMap(\.removed))
        // Permutes and views whose every use is a fused op, a removed node or another such node (ids are in
        // topological order, so one pass from the end settles chains).
        var strided = Set<Int>()
        for n in g.nodes.reversed() {
            switch n.kind {
            case .copy(.transpose), .view: break
            default: continue
            }
            let uses = succ[n.id]
            if !uses.isEmpty, uses.allSatisfy({ replace[$0] != nil || removed.contains($0) || strided.contains($0) }) {
                strided.insert(n.id)
            }
        }
        return g.rewritten(removing: removed) { n in
            if let r = replace[n.id] {
                n.kind = .attention(r.shape)
                n.inputs = [r.q, r.k, r.v]
                n.macs = r.shape.macs
            } else if case .copy(.transpose) = n.kind, strided.contains(n.id) {
                n.kind = .view
            }
        }
    }
}
