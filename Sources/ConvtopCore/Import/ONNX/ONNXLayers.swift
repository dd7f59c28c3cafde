/// ONNX layers with weights (convolutions, products) and element-wise arithmetic.
extension ONNXGraphBuild {
    /// Window attributes of Conv/ConvTranspose/pooling: kernel, strides, dilations, symmetric pads.
    func window(_ n: ONNXModel.Node, kernel def: [Int]) throws -> (k: [Int], s: [Int], d: [Int], p: [Int], pEnd: [Int]) {
        func attr(_ key: String, _ dflt: [Int], count: Int, _ range: ClosedRange<Int>) throws -> [Int] {
            guard let v = attrInts(n, key) else { return dflt }
            guard v.count == count, v.allSatisfy({ range.contains($0) }) else {
                throw fail(n, "attribute '\(key)' must be \(count) integers from \(range.lowerBound) to \(range.upperBound) (got \(v))")
            }
            return v
        }
        let win = 1...InputLimits.window
        let k = try attr("kernel_shape", def, count: 2, win)
        let s = try attr("strides", [1, 1], count: 2, win), d = try attr("dilations", [1, 1], count: 2, win)
        let p = try attr("pads", [0, 0, 0, 0], count: 4, 0...InputLimits.padding)
        return (k, s, d, [p[0], p[1]], [p[2], p[3]])
    }

    /// Whether the exporter folded a batch norm into this convolution: the dynamo exporter records the rewrite;
    /// the TorchScript exporter names the folded weight `onnx::Conv_…` and gives the convolution a bias.
    func batchNormFolded(_ n: ONNXModel.Node) -> Bool {
        if n.metadata["pkg.onnxscript.rewriter.rule_name"]?.contains("FuseBatchNormIntoConv") == true { return true }
        guard n.inputs.count > 2, !n.inputs[2].isEmpty, let w = constant(n, 1) else { return false }
        return w.sources.contains { $0.hasPrefix("onnx::Conv_") }
    }

    /// Whether the dynamo exporter's optimizer dropped an all-zero bias (as in a freshly initialised network):
    /// PyTorch still holds and adds it, so convtop keeps it.
    func zeroBiasDropped(_ n: ONNXModel.Node) -> Bool {
        guard let rules = n.metadata["pkg.onnxscript.rewriter.rule_name"] else { return false }
        return rules.contains("RemoveOptionalBiasFrom") && !rules.contains("FuseBatchNormIntoConv")
    }

    mutating func conv(_ n: ONNXModel.Node, x: Int) throws -> ONNXValue {
        guard let wc = constant(n, 1) else { throw fail(n, "the weight must be an initializer or graph input") }
        let w = wc.dims
        guard w.count == 4, w.allSatisfy({ $0 >= 1 && $0 <= InputLimits.dimension }) else {
            throw fail(n, "only 2-D convolutions with a weight of 4 positive dimensions are supported (weight shape \(w))")
        }
        guard b.shape(x).rank == 4 else { throw fail(n, "needs a 4-D input") }
        var (k, s, d, p, pEnd) = try window(n, kernel: [w[2], w[3]])
        let g = attrInt(n, "group", 1)
        guard g >= 1 && g <= InputLimits.dimension, w[0] % g == 0, b.channels(x) == w[1] * g else {
            throw fail(n, "weight \(w) with group \(g) does not fit \(b.channels(x)) input channels")
        }
        let i = b.shape(x)
        if let auto = n.attributes["auto_pad"]?.s, auto.hasPrefix("SAME") {
            for (a, size) in [i.height, i.width].enumerated() {
                let total = max(((size + s[a] - 1) / s[a] - 1) * s[a] + d[a] * (k[a] - 1) + 1 - size, 0)
                p[a] = total / 2; pEnd[a] = total - total / 2
            }
        }
        let ph = (p[0] + pEnd[0]) / 2, pw = (p[1] + pEnd[1]) / 2
        let oh = GraphBuilder.convolvedSize(i.height, k: k[0], s: s[0], p: ph, d: d[0])
        let ow = GraphBuilder.convolvedSize(i.width, k: k[1], s: s[1], p: pw, d: d[1])
        guard oh > 0, ow > 0 else { throw fail(n, "the kernel is larger than the padded \(i.height)×\(i.width) input") }
        let macs = Double(i.batch) * Double(w[0]) * Double(oh) * Double(ow) * Double(w[1]) * Double(k[0] * k[1])
        try within(n, [i.batch, w[0], oh, ow], macs: macs)
        let folded = batchNormFolded(n)
        let dropped = zeroBiasDropped(n)
        let hasBias = (n.inputs.count > 2 && !n.inputs[2].isEmpty && !folded) || dropped
        let a = ConvAttributes(inChannels: i.channels, outChannels: w[0], kernel: (k[0], k[1]), stride: (s[0], s[1]),
                               padding: (ph, pw), dilation: (d[0], d[1]), groups: g, bias: hasBias)
        var params = claim([wc])
        if hasBias, let bc = constant(n, 2) { params += claim([bc]) } else if dropped { params.append(w[0]) }
        let out = try node(n, .conv(a), inputs: [x], dims: [i.batch, w[0], oh, ow], macs: Int(macs), parameters: params)
        guard folded, case .tensor(let c) = out else { return out }
        // PyTorch runs the batch norm the exporter folded away: put it back (its scale and shift are parameters).
        mapping["BatchNormalization (folded by the exporter, restored)", default: [:]]["batchnorm", default: 0] += 1
        return .tensor(b.add(.batchNorm, inputs: [c], shape: b.shape(c), name: label(n) + ".bn", parameters: [w[0], w[0]]))
    }

    mutating func convTranspose(_ n: ONNXModel.Node, x: Int) throws -> ONNXValue {
        guard let wc = constant(n, 1), wc.dims.count == 4, wc.dims.allSatisfy({ $0 >= 1 && $0 <= InputLimits.dimension }) else {
            throw fail(n, "only 2-D transposed convolutions with a 4-D weight are supported")
        }
        let w = wc.dims
        guard b.shape(x).rank == 4 else { throw fail(n, "needs a 4-D input") }
        let (k, s, d, p, pEnd) = try window(n, kernel: [w[2], w[3]])
        let g = attrInt(n, "group", 1)
        let i = b.shape(x)
        guard g >= 1, i.channels == w[0], w[0] % g == 0 else { throw fail(n, "weight \(w) with group \(g) does not fit \(i.channels) input channels") }
        let outPad = attrInts(n, "output_padding") ?? [0, 0]
        guard outPad.count == 2, outPad.allSatisfy({ $0 >= 0 && $0 <= InputLimits.window }) else { throw fail(n, "bad output_padding") }
        let cout = w[1] * g
        let spatial = [i.height, i.width]
        var out = [i.batch, cout]
        for a in 0..<2 {
            let span: Int = (spatial[a] - 1) * s[a] - p[a] - pEnd[a]
            out.append(span + d[a] * (k[a] - 1) + outPad[a] + 1)
        }
        if let shape = attrInts(n, "output_shape"), shape.count >= 2 { out = [i.batch, cout] + shape.suffix(2) }
        let macs = Double(i.elements) * Double(w[1]) * Double(k[0] * k[1])
        try within(n, out, macs: macs)
        let hasBias = n.inputs.count > 2 && !n.inputs[2].isEmpty
        // The forward convolution whose data gradient this is maps the output (cout channels) to the input.
        let a = ConvAttributes(inChannels: cout, outChannels: i.channels, kernel: (k[0], k[1]), stride: (s[0], s[1]),
                               padding: ((p[0] + pEnd[0]) / 2, (p[1] + pEnd[1]) / 2), dilation: (d[0], d[1]), groups: g, bias: hasBias)
        return try node(n, .convTranspose(a), inputs: [x], dims: out, macs: Int(macs))
    }

    mutating func pool(_ n: ONNXModel.Node, x: Int) throws -> ONNXValue {
        guard b.shape(x).rank == 4 else { throw fail(n, "needs a 4-D input") }
        let (k, s, _, p, _) = try window(n, kernel: [1, 1])
        let ceil = attrInt(n, "ceil_mode", 0) == 1
        let a = PoolAttributes(kernel: k[0], stride: s[0], padding: p[0], ceilMode: ceil)
        let i = b.shape(x)
        let bw = PoolAttributes(kernel: k[1], stride: s[1], padding: p[1], ceilMode: ceil)
        guard p[0] * 2 <= k[0], GraphBuilder.pooledSize(i.height, a) > 0, GraphBuilder.pooledSize(i.width, bw) > 0 else {
            throw fail(n, "the pooling window (\(k[0]), padding \(p[0])) does not fit the \(i.height)-high input")
        }
        let out = [i.batch, i.channels, GraphBuilder.pooledSize(i.height, a), GraphBuilder.pooledSize(i.width, bw)]
        return try node(n, n.opType == "MaxPool" ? .maxPool(a) : .avgPool(a), inputs: [x], dims: out)
    }

    /// Add/Mul/… with broadcasting. One computed operand: an element-wise op with its constants (a learned scale or
    /// bias among them); a bias right after a matrix product joins the product (PyTorch's addmm). Two or more:
    /// a sum of equal shapes, or a broadcasting binary op.
    mutating func elementwise(_ n: ONNXModel.Node) throws -> ONNXValue {
        let parts = n.inputs.indices.compactMap { input(n, $0) }
        let shapes = parts.compactMap { v -> [Int]? in
            if case .constant(let c) = v { return c.shapeKnown ? c.dims : nil } else { return dims(v) }
        }
        guard var out = shapes.first else { throw fail(n, "needs inputs") }
        for s in shapes.dropFirst() {
            guard let o = ONNXFold.broadcast(out, s) else { throw fail(n, "operands \(shapes) do not broadcast") }
            out = o
        }
        let ids = parts.compactMap { v -> Int? in if case .tensor(let id) = v { return id } else { return nil } }
        let consts = parts.compactMap { v -> ONNXConstant? in if case .constant(let c) = v { return c } else { return nil } }
        let op = n.opType
        if !ids.isEmpty {
            for (i, name) in n.inputs.enumerated() { if case .constant? = input(n, i) { chargeRuntimeConstant(name) } }
        }
        if ids.count == 1 {
            let x = ids[0]
            if op == "Add", consts.count == 1, case .linear(let i, let o, false) = b.nodes[x].kind, out == b.shape(x).dims,
               consts[0].count == o {
                b.setKind(x, .linear(inFeatures: i, outFeatures: o, bias: true), parameters: b.nodes[x].parameterTensors + claim(consts))
                folded(n, "bias of the matrix product")
                return .tensor(x)
            }
            let affine = ["Add", "Sub", "Mul", "Div"].contains(op)
            let scalar = (op == "Mul" || op == "Div") && consts.allSatisfy { $0.shapeKnown && $0.count == 1 }
            return try node(n, .unary(scalar ? .scale : (affine ? .affine : .other)), inputs: [x], dims: out)
        }
        if Set(ids).count == 1 { return try node(n, .unary(.other), inputs: [ids[0]], dims: out) }
        if (op == "Add" || op == "Sum") && consts.isEmpty && ids.allSatisfy({ b.shape($0).dims == out }) {
            return try node(n, .add, inputs: ids, dims: out)
        }
        let kind: BinaryOp = ["Add": .add, "Sum": .add, "Sub": .sub, "Mul": .mul, "Div": .div, "Pow": .pow][op] ?? .other
        return try node(n, .binary(kind), inputs: ids, dims: out)
    }

    mutating func gemm(_ n: ONNXModel.Node) throws -> ONNXValue {
        guard case .tensor(let x)? = input(n, 0) else { throw fail(n, "input 0 must be a computed tensor") }
        guard attrInt(n, "transA", 0) == 0 else { throw fail(n, "transA is not supported") }
        let d = b.shape(x).dims
        guard let wc = constant(n, 1) else {
            guard case .tensor(let y)? = input(n, 1) else { throw fail(n, "needs a second operand") }
            let (out, shape) = try matmulDims(n, d, attrInt(n, "transB", 0) == 1 ? b.shape(y).dims.reversed() : b.shape(y).dims)
            return try node(n, .matmul(shape), inputs: [x, y], dims: out, macs: shape.macs)
        }
        let w = wc.dims
        guard w.count == 2, w.allSatisfy({ $0 >= 1 && $0 <= InputLimits.dimension }) else { throw fail(n, "weight must be 2-D with positive dimensions (got \(w))") }
        let transB = attrInt(n, "transB", 0) == 1
        let (inF, outF) = transB ? (w[1], w[0]) : (w[0], w[1])
        let rows = d.count >= 2 ? d.dropLast().reduce(1, *) : 1
        guard d.last == inF || (d.count >= 2 && d.dropFirst().reduce(1, *) == inF) else { throw fail(n, "weight expects \(inF) input features, got \(d)") }
        let out = [d.count >= 2 && d.last == inF ? rows : d[0], outF]
        let macs = Double(out[0]) * Double(outF) * Double(inF)
        try within(n, out, macs: macs)
        let hasBias = n.inputs.count > 2 && !n.inputs[2].isEmpty
        let dropped = !hasBias && zeroBiasDropped(n)
        let params = claim([1, 2].compactMap { constant(n, $0) }) + (dropped ? [outF] : [])
        return try node(n, .linear(inFeatures: inF, outFeatures: outF, bias: hasBias || dropped), inputs: [x], dims: out,
                        macs: Int(macs), parameters: params)
    }

    mutating func matmul(_ n: ONNXModel.Node) throws -> ONNXValue {
        guard let a = input(n, 0), let c = input(n, 1) else { throw fail(n, "needs two operands") }
        let (out, shape) = try matmulDims(n, dims(a), dims(c))
        // A computed tensor times a 2-D weight is a linear layer over the last axis.
        if case .tensor(let x) = a, case .constant(let w) = c, w.dims.count == 2 {
            return try node(n, .linear(inFeatures: w.dims[0], outFeatures: w.dims[1], bias: false), inputs: [x], dims: out, macs: shape.macs)
        }
        let ids = [a, c].compactMap { v -> Int? in if case .tensor(let id) = v { return id } else { return nil } }
        return try node(n, .matmul(shape), inputs: ids, dims: out, macs: shape.macs)
    }
}
