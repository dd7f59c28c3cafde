/// The op a catalog key names, rebuilt as a graph convtop can lower: the input, a ReLU (so that the op has an input
/// gradient, as in the measuring script), then the op — in the inference graph, or in its training step for a
/// backward pass or a training-mode forward. Lets the catalog's left-out check price every measured op with the
/// model alone too.
extension OpSignature {
    /// The graph holding this op and the op's node id in it (its key equals this signature's), or nil for a family
    /// convtop cannot rebuild from its key (the loss) or a key whose shapes do not make a valid op.
    public func rebuilt() -> (graph: Graph, node: Int)? {
        // A key from a user's catalog file is input: every size is bounded before any arithmetic on it, so that no
        // product overflows (elements ≤ 2^31, channels ≤ 2^16, windows, strides, padding and dilation ≤ 64).
        let dims = value("x") ?? []
        guard dims.count <= 4, dims.allSatisfy({ $0 > 0 && $0 <= 1 << 20 }),
              dims.reduce(1, { $0 * $1 }) <= 1 << 31, dims.count < 2 || dims[1] <= 1 << 16,
              params.allSatisfy({ p in p.name == "x" || p.name == "n" || p.value.allSatisfy { (0...(1 << 16)).contains($0) } })
        else { return nil }
        func small(_ v: [Int]) -> Bool { v.allSatisfy { (0...64).contains($0) } }
        var b = GraphBuilder(name: "op")
        switch family {
        case .conv:
            guard dims.count == 4, let cout = value("cout")?.first, let k = value("k"), let s = value("s"), let p = value("p"),
                  let d = value("d"), let g = value("g")?.first, k.count == 2, s.count == 2, p.count == 2, d.count == 2,
                  small(k + s + p + d), (k + s + d).allSatisfy({ $0 > 0 }), cout > 0, g > 0, dims[1] % g == 0, cout % g == 0,
                  GraphBuilder.convolvedSize(dims[2], k: k[0], s: s[0], p: p[0], d: d[0]) > 0,
                  GraphBuilder.convolvedSize(dims[3], k: k[1], s: s[1], p: p[1], d: d[1]) > 0 else { return nil }
            let x = b.relu(b.input(dims, name: "x"), name: "r")
            _ = b.conv(x, cout, k: (k[0], k[1]), s: (s[0], s[1]), p: (p[0], p[1]), d: (d[0], d[1]), groups: g,
                       bias: value("bias")?.first == 1, name: "op")
        case .batchnorm:
            guard dims.count == 4 else { return nil }
            _ = b.bn(b.relu(b.input(dims, name: "x"), name: "r"), name: "op")
        case .relu:
            guard dims.count >= 2 else { return nil }
            let x = b.input(dims, name: "x")
            _ = value("six")?.first == 1 ? b.relu6(x) : b.relu(x, name: "op")
        case .pool:
            guard dims.count == 4, let k = value("k")?.first, let s = value("s")?.first, let p = value("p")?.first,
                  small([k, s, p]), k > 0, s > 0, p <= k / 2 else { return nil }
            let x = b.relu(b.input(dims, name: "x"), name: "r"), ceil = value("ceil")?.first == 1
            let a = PoolAttributes(kernel: k, stride: s, padding: p, ceilMode: ceil)
            guard GraphBuilder.pooledSize(dims[2], a) > 0, GraphBuilder.pooledSize(dims[3], a) > 0 else { return nil }
            _ = value("max")?.first == 1 ? b.maxPool(x, k: k, s: s, p: p, ceil: ceil, name: "op")
                : b.avgPool(x, k: k, s: s, p: p, ceil: ceil, name: "op")
        case .adaptivePool:
            guard dims.count == 4, let o = value("o")?.first, o > 0, o <= 64 else { return nil }
            _ = b.adaptiveAvgPool(b.relu(b.input(dims, name: "x"), name: "r"), size: o)
        case .concat:
            guard let n = value("n"), n.count == 3, n.allSatisfy({ (1...(1 << 12)).contains($0) }), n.reduce(1, *) <= 1 << 20,
                  let c = value("c"), !c.isEmpty, c.count <= 256, c.allSatisfy({ $0 > 0 }) else { return nil }
            let xs = c.enumerated().map { b.relu(b.input([n[0], $0.element, n[1], n[2]], name: "x\($0.offset)"), name: "r\($0.offset)") }
            _ = b.concat(xs, name: "op")
        case .add:
            guard !dims.isEmpty, let n = value("inputs")?.first, n >= 2, n <= 256 else { return nil }
            let xs = (0..<n).map { b.relu(b.input(dims, name: "x\($0)"), name: "r\($0)") }
            _ = b.sum(xs, name: "op")
        case .linear:
            guard dims.count == 2, let out = value("out")?.first, out > 0 else { return nil }
            _ = b.linear(b.relu(b.input(dims, name: "x"), name: "r"), out, bias: value("bias")?.first == 1, name: "op")
        case .dropout:
            guard !dims.isEmpty else { return nil }
            _ = b.dropout(b.relu(b.input(dims, name: "x"), name: "r"))
        case .loss:
            return nil
        }
        let forward = b.build()
        for g in [forward, TrainingGraph.build(from: forward)] {
            if let n = g.nodes.first(where: { OpSignature.of($0, in: g, precision: .tf32)?.key == key }) { return (g, n.id) }
        }
        return nil
    }

    /// The model's time (µs) for this op alone: its kernels lowered without the catalog, each run standalone.
    public func modelledUs(gpu: GPUSpec) -> Double? {
        guard let ks = modelledKernels(gpu: gpu), !ks.isEmpty else { return nil }
        let timing = TimingModel(gpu: gpu)
        return ks.reduce(0) { $0 + timing.standaloneDuration($1) }
    }

    /// The kernels the lowering alone gives the op (`rebuilt()`, no catalog); nil when the key names no valid op.
    public func modelledKernels(gpu: GPUSpec) -> [Kernel]? {
        guard let (g, node) = rebuilt() else { return nil }
        let kg = Lowering.lower(g, gpu: gpu, precision: .tf32)
        return kg.opKernels[node].map { kg.kernels[$0] }
    }
}
