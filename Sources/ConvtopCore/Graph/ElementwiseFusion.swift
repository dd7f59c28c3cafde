/// Restores the kernels PyTorch runs where an exporter decomposed one: a region of element-wise ops (and
/// reductions) that computes a function of a single tensor — GELU as Div·Erf·Add·Mul·Mul, SiLU as Sigmoid·Mul,
/// hard-swish as HardSigmoid·Mul, layer norm as ReduceMean·Sub·Pow·ReduceMean·Add·Sqrt·Div·Mul·Add — becomes
/// one op (one kernel), as `nn.GELU`, `nn.SiLU`, `nn.Hardswish` and `nn.LayerNorm` run.
///
/// A region qualifies when every member's computed inputs are the region's source or other members, and only one
/// member is used outside the region. Squeeze-excitation's `x · sigmoid(s)` has two sources and stays as it is.
/// An L2 norm starts no region: `F.normalize` (ReduceL2·Clip·Expand·Div) is not one kernel in PyTorch but three,
/// a `reduce_kernel`, a clamp of the norms and a broadcast division, as Swin-V2's profiles show.
public enum ElementwiseFusion {
    static func fusable(_ k: OpKind) -> Bool {
        switch k {
        case .reduce(.l2): return false   // F.normalize: PyTorch's three kernels
        case .unary, .binary, .reduce: return true
        default: return false
        }
    }

    /// The activation a two-op region spells, where it is one PyTorch names: SiLU (x·sigmoid(x)) or hard-swish
    /// (x·hardsigmoid(x)). They matter in training, where their in-place forms keep a copy of their input.
    static func activation(_ kinds: [OpKind]) -> UnaryOp? {
        guard kinds.count == 2, kinds.contains(.binary(.mul)) else { return nil }
        if kinds.contains(.unary(.sigmoid)) { return .silu }
        if kinds.contains(.unary(.hardSigmoid)) { return .hardSwish }
        return nil
    }

    public static func apply(_ g: Graph) -> Graph {
        let succ = g.successors()
        var root = Array(repeating: -1, count: g.nodes.count)
        for v in g.nodes where fusable(v.kind) {
            let sources = Set(v.inputs.map { fusable(g.nodes[$0].kind) && root[$0] >= 0 ? root[$0] : $0 })
            if sources.count == 1 { root[v.id] = sources.first! }
        }
        var members: [Int: [Int]] = [:]
        for v in g.nodes.indices where root[v] >= 0 { members[root[v], default: []].append(v) }
        // Region output: the one member used outside the region (or a sink).
        var fusedAt: [Int: (members: Set<Int>, root: Int)] = [:]
        for (r, ms) in members where ms.count >= 2 {
            let set = Set(ms)
            let outputs = ms.filter { m in succ[m].isEmpty || succ[m].contains { !set.contains($0) } }
            guard outputs.count == 1 else { continue }
            fusedAt[outputs[0]] = (set, r)
        }
        guard !fusedAt.isEmpty else { return g }
        let removed = Set(fusedAt.flatMap { $0.value.members.subtracting([$0.key]) })
        return g.rewritten(removing: removed) { n in
            guard let region = fusedAt[n.id] else { return }
            let ms = region.members.sorted()
            let source = g.nodes[region.root].shape
            let normalises = ms.contains { if case .reduce = g.nodes[$0].kind { return true } else { return false } }
            n.kind = normalises && n.shape == source ? .layerNorm(normalized: max(source.dims.last ?? 1, 1))
                : .unary(Self.activation(ms.map { g.nodes[$0].kind }) ?? .fused(ops: ms.count))
            n.inputs = [region.root]
            n.parameterTensors = ms.flatMap { g.nodes[$0].parameterTensors }
        }
    }
}
