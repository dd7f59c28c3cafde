import Foundation

/// ONNX ops on computed tensors, mapped onto convtop's graph ops.
extension ONNXGraphBuild {
    static let tensorOps = ["Abs", "Add", "And", "AveragePool", "BatchNormalization", "Cast", "CastLike", "Ceil", "Clip",
                            "Concat", "Conv", "ConvTranspose", "Div", "Dropout", "Einsum", "Elu", "Equal", "Erf", "Exp",
                            "Expand", "Flatten", "Floor", "Gather", "GatherElements", "GatherND", "Gelu", "Gemm",
                            "GlobalAveragePool", "GlobalMaxPool", "Greater", "GroupNormalization", "HardSigmoid",
                            "HardSwish", "Identity", "InstanceNormalization", "LayerNormalization", "LeakyRelu", "Less",
                            "Log", "LogSoftmax", "MatMul", "Max", "MaxPool", "Mean", "Min", "Mish", "Mod", "Mul", "Neg",
                            "Not", "Or", "Pad", "Pow", "Reciprocal", "ReduceL1", "ReduceL2", "ReduceLogSumExp",
                            "ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSum", "ReduceSumSquare", "Relu",
                            "Reshape", "Resize", "Round", "ScatterElements", "ScatterND", "Selu", "SequenceAt", "Shape",
                            "Sigmoid", "Sign", "Size", "Slice", "Softmax", "Softplus", "Split", "SplitToSequence", "Sqrt",
                            "Squeeze", "Sub", "Sum", "Tanh", "Tile", "Transpose", "Unsqueeze", "Upsample", "Where"]

    static let unaryKinds: [String: UnaryOp] = ["Sigmoid": .sigmoid, "HardSigmoid": .hardSigmoid, "HardSwish": .hardSwish,
                                                "Tanh": .tanh, "Erf": .erf, "Sqrt": .sqrt, "Exp": .exp, "Gelu": .gelu]

    /// Maps an ONNX op on computed tensors onto graph ops (the first family that knows it).
    mutating func tensorOp(_ n: ONNXModel.Node) throws -> [ONNXValue] {
        if let v = try layerOp(n) ?? pointwiseOp(n) ?? reductionOp(n) ?? viewOp(n) ?? splitOp(n) ?? movementOp(n) { return v }
        throw fail(n, "not supported on computed tensors")
    }

    /// Input `i` of `n`, which must be a tensor computed on the GPU (not a constant). A transposed view that `n`
    /// cannot read in place is copied to contiguous memory first, as PyTorch's `.contiguous()` does (`MemoryLayout`).
    mutating func tensorInput(_ n: ONNXModel.Node, _ i: Int) throws -> Int {
        guard case .tensor(let id)? = input(n, i) else { throw fail(n, "input \(i) must be a computed tensor") }
        guard let order = layouts[id], !MemoryLayout.reads(order, op: n.opType) else { return id }
        if let copy = materialized[id] { return copy }
        let copy = b.add(.copy(.transpose), inputs: [id], shape: b.shape(id), name: b.nodes[id].name)
        materialized[id] = copy
        mapping["Transpose", default: [:]]["transpose", default: 0] += 1
        mapping["Transpose", default: [:]]["view", default: 0] -= 1
        if mapping["Transpose"]?["view"] == 0 { mapping["Transpose"]?["view"] = nil }
        return copy
    }

    /// Layers: convolutions, normalisations, pooling, reductions, matrix products, concat, resize, softmax.
    private mutating func layerOp(_ n: ONNXModel.Node) throws -> [ONNXValue]? {
        let op = n.opType
        switch op {
        case "Identity", "Dropout", "Cast", "CastLike":
            folded(n, "pass-through")
            guard let v = input(n, 0) else { throw fail(n, "needs an input") }
            return [v]
        case "Conv": return [try conv(n, x: try tensorInput(n, 0))]
        case "ConvTranspose": return [try convTranspose(n, x: try tensorInput(n, 0))]
        case "BatchNormalization":
            let x = try tensorInput(n, 0)
            let params = claim([1, 2].compactMap { constant(n, $0) })
            return [try node(n, .batchNorm, inputs: [x], dims: b.shape(x).dims, parameters: params)]
        case "Concat":
            let parts = n.inputs.indices.compactMap { input(n, $0) }
            let shapes = parts.map { v -> [Int] in if case .constant(let c) = v { return rebatched(c.dims) } else { return dims(v) } }
            let (out, _) = try concatDims(n, shapes)
            let ids = parts.compactMap { v -> Int? in if case .tensor(let id) = v { return id } else { return nil } }
            return [try node(n, .concat, inputs: ids, dims: out)]
        case "Gemm": return [try gemm(n)]
        case "MatMul": return [try matmul(n)]
        case "Einsum":
            let parts = n.inputs.indices.compactMap { input(n, $0) }
            let (out, shape) = try einsumDims(n, parts.map(dims))
            let ids = parts.compactMap { v -> Int? in if case .tensor(let id) = v { return id } else { return nil } }
            if parts.count == 1 { return [try node(n, .copy(.transpose), inputs: ids, dims: out)] }
            return [try node(n, .matmul(shape), inputs: ids, dims: out, macs: shape.macs)]
        case "Resize", "Upsample":
            let x = try tensorInput(n, 0)
            let out = try resizeDims(n, b.shape(x).dims)
            let mode = n.attributes["mode"]?.s ?? "nearest"
            return [try node(n, .resize(mode == "nearest" ? .nearest : .bilinear), inputs: [x], dims: out)]
        case "LayerNormalization":
            let x = try tensorInput(n, 0)
            let d = b.shape(x).dims
            guard let a = ONNXFold.axis(attrInt(n, "axis", -1), rank: d.count) else { throw fail(n, "axis out of range") }
            return [try node(n, .layerNorm(normalized: d.dropFirst(a).reduce(1, *)), inputs: [x], dims: d)]
        case "GroupNormalization", "InstanceNormalization":
            let x = try tensorInput(n, 0)
            let d = b.shape(x).dims
            guard d.count >= 3 else { throw fail(n, "needs an N×C×… input") }
            let g = op == "InstanceNormalization" ? d[1] : attrInt(n, "num_groups", 1)
            guard g >= 1, d[1] % g == 0 else { throw fail(n, "num_groups \(g) must divide the \(d[1]) channels") }
            return [try node(n, .groupNorm(groups: g), inputs: [x], dims: d)]
        default:
            return nil
        }
    }

    /// Element-wise ops: activations, clamps, and broadcasting arithmetic and comparisons.
    private mutating func pointwiseOp(_ n: ONNXModel.Node) throws -> [ONNXValue]? {
        let op = n.opType
        switch op {
        case "Relu": let x = try tensorInput(n, 0); return [try node(n, .relu, inputs: [x], dims: b.shape(x).dims)]
        case "Clip":
            let x = try tensorInput(n, 0)
            let lo = n.attributes["min"]?.f.map(Double.init) ?? constant(n, 1)?.doubleValues?.first
            let hi = n.attributes["max"]?.f.map(Double.init) ?? constant(n, 2)?.doubleValues?.first
            let kind: OpKind = lo == 0 && hi == 6 ? .relu6 : (lo == 0 && hi == nil ? .relu : .unary(.clamp))
            return [try node(n, kind, inputs: [x], dims: b.shape(x).dims)]
        case _ where Self.unaryKinds[op] != nil:
            let x = try tensorInput(n, 0)
            return [try node(n, .unary(Self.unaryKinds[op]!), inputs: [x], dims: b.shape(x).dims)]
        case "LeakyRelu", "Elu", "Selu", "Softplus", "Mish", "Neg", "Abs", "Reciprocal", "Log", "Not", "Sign", "Floor",
             "Ceil", "Round":
            let x = try tensorInput(n, 0)
            return [try node(n, .unary(.other), inputs: [x], dims: b.shape(x).dims)]
        case "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Mod", "Equal", "Less", "Greater", "And", "Or", "Where", "Sum", "Mean":
            return [try elementwise(n)]
        default:
            return nil
        }
    }

    /// Ops that change only a shape (views), or fold to constants, and the copies some of them need.
    private mutating func viewOp(_ n: ONNXModel.Node) throws -> [ONNXValue]? {
        let op = n.opType
        switch op {
        case "Flatten":
            let x = try tensorInput(n, 0)
            return [try view(n, x, try flattenDims(n, b.shape(x).dims))]
        case "Reshape":
            let x = try tensorInput(n, 0)
            guard let target = try intsOf(n, 1, "the target shape") else { throw fail(n, "needs a target shape") }
            let d = b.shape(x).dims
            let zeroIsCopy = attrInt(n, "allowzero", 0) == 0
            let t = zeroIsCopy ? target : target.map { $0 == 0 ? 1 : $0 }
            guard let out = ONNXFold.reshape(d, target: t) ?? rebatchedShape(n, input: 0, output: d.reduce(1, *)) else {
                throw fail(n, "cannot reshape \(d) to \(target)")
            }
            return [try view(n, x, out)]
        case "Squeeze": let x = try tensorInput(n, 0); return [try view(n, x, try squeezeDims(n, b.shape(x).dims))]
        case "Unsqueeze": let x = try tensorInput(n, 0); return [try view(n, x, try unsqueezeDims(n, b.shape(x).dims))]
        case "Expand":
            let x = try tensorInput(n, 0)
            guard let target = try intsOf(n, 1, "the shape"),
                  let out = ONNXFold.broadcast(b.shape(x).dims, target) ?? rebatchedShape(n, input: 0, output: nil) else {
                throw fail(n, "cannot expand \(b.shape(x).dims)")
            }
            return [try view(n, x, out)]
        case "Transpose":
            // PyTorch's permute is a view. One that leaves memory contiguous, or channels-last, stays one (its
            // consumers copy if they must, `tensorInput`); any other is copied here, where its consumer would.
            let x = try tensorInput(n, 0)
            let (out, perm) = try transposeDims(n, b.shape(x).dims)
            // Moving only axes of size 1 changes no memory order: a view.
            let moved = perm.enumerated().filter { $0.offset != $0.element }.map { b.shape(x).dims[$0.element] }
            let order = MemoryLayout.transposed(layouts[x] ?? Array(out.indices), perm: perm)
            if moved.allSatisfy({ $0 == 1 }) || (layouts[x] != nil && MemoryLayout.isContiguous(order, dims: out)) {
                return [try view(n, x, out)]
            }
            guard order == MemoryLayout.channelsLast else { return [try node(n, .copy(.transpose), inputs: [x], dims: out)] }
            try within(n, out)
            folded(n, "view")
            let id = b.add(.view, inputs: [x], shape: TensorShape(out), name: label(n))
            layouts[id] = order
            return [.tensor(id)]
        case "Slice":
            let x = try tensorInput(n, 0)
            let (out, touched) = try sliceDims(n, b.shape(x).dims)
            if touched.isEmpty { folded(n, "pass-through"); return [.tensor(x)] }
            return [touched == [1] && out.count == 4 ? try view(n, x, out) : try node(n, .copy(.slice), inputs: [x], dims: out)]
        default:
            return nil
        }
    }

    /// Data movement: tiling, gathers and scatters, padding.
    private mutating func movementOp(_ n: ONNXModel.Node) throws -> [ONNXValue]? {
        let op = n.opType
        switch op {
        case "Tile":
            let x = try tensorInput(n, 0)
            guard let r = try intsOf(n, 1, "repeats"), r.count == b.shape(x).rank, r.allSatisfy({ $0 >= 1 }) else { throw fail(n, "repeats must match the rank") }
            return [try node(n, .copy(.slice), inputs: [x], dims: zip(b.shape(x).dims, r).map(*))]
        case "Gather":
            let x = try tensorInput(n, 0)
            guard let idx = constant(n, 1) else {
                // Indices computed on the GPU (an embedding lookup): a gather kernel over the output.
                guard case .tensor(let i)? = input(n, 1) else { throw fail(n, "needs indices") }
                let (out, _) = try gatherDims(n, data: b.shape(x).dims, indices: b.shape(i).dims)
                return [try node(n, .copy(.slice), inputs: [x, i], dims: out)]
            }
            let (out, _) = try gatherDims(n, data: b.shape(x).dims, indices: idx.dims)
            return [idx.dims.isEmpty ? try view(n, x, out) : try node(n, .copy(.slice), inputs: [x], dims: out)]
        case "GatherElements", "GatherND", "ScatterND", "ScatterElements":
            let x = try tensorInput(n, 0)
            var out = b.shape(x).dims
            if op == "GatherElements", let i = input(n, 1) { out = dims(i) }
            if op == "GatherND", let i = input(n, 1), let last = dims(i).last, last <= out.count {
                out = Array(dims(i).dropLast()) + Array(out.dropFirst(last))
            }
            let ids = n.inputs.indices.compactMap { k -> Int? in if case .tensor(let id)? = input(n, k) { return id } else { return nil } }
            return [try node(n, .copy(.slice), inputs: ids, dims: out)]
        case "Pad":
            let x = try tensorInput(n, 0)
            let out = try padDims(n, b.shape(x).dims)
            if out == b.shape(x).dims { folded(n, "pass-through"); return [.tensor(x)] }
            return [try node(n, .copy(.pad), inputs: [x], dims: out)]
        default:
            return nil
        }
    }
    /// Pooling, reductions and softmax.
    private mutating func reductionOp(_ n: ONNXModel.Node) throws -> [ONNXValue]? {
        let op = n.opType
        switch op {
        case "MaxPool", "AveragePool": return [try pool(n, x: try tensorInput(n, 0))]
        case "GlobalAveragePool", "GlobalMaxPool":
            let x = try tensorInput(n, 0)
            let d = b.shape(x).dims
            guard d.count >= 3 else { throw fail(n, "needs an N×C×… input") }
            let out = Array(d.prefix(2)) + Array(repeating: 1, count: d.count - 2)
            return [try node(n, op == "GlobalAveragePool" && d.count == 4 ? .adaptiveAvgPool : .reduce(op == "GlobalMaxPool" ? .max : .mean),
                             inputs: [x], dims: out)]
        case _ where op.hasPrefix("Reduce"):
            let x = try tensorInput(n, 0)
            let d = b.shape(x).dims
            let out = try reduceDims(n, d)
            let kind: ReduceOp = ["ReduceMean": .mean, "ReduceSum": .sum, "ReduceMax": .max, "ReduceMin": .min, "ReduceL2": .l2][op] ?? .other
            // A mean over H and W of an N×C×H×W tensor is PyTorch's adaptive average pooling (global pool, SE blocks).
            if kind == .mean, d.count == 4, try axes(n, input: 1, rank: 4) == [2, 3] {
                let pooled = try node(n, .adaptiveAvgPool, inputs: [x], dims: [d[0], d[1], 1, 1])
                guard out.count == 2, case .tensor(let id) = pooled else { return [pooled] }
                return [.tensor(b.add(.view, inputs: [id], shape: TensorShape(out), name: label(n)))]
            }
            return [try node(n, .reduce(kind), inputs: [x], dims: out)]
        case "Softmax", "LogSoftmax":
            let x = try tensorInput(n, 0)
            return [try node(n, .softmax, inputs: [x], dims: b.shape(x).dims)]
        default:
            return nil
        }
    }

    /// Splits into several tensors or a sequence, and shapes folded to constants.
    private mutating func splitOp(_ n: ONNXModel.Node) throws -> [ONNXValue]? {
        let op = n.opType
        switch op {
        case "Split", "SplitToSequence":
            let x = try tensorInput(n, 0)
            let d = b.shape(x).dims
            let (sizes, a) = try splitSizes(n, d, outputs: n.outputs.count)
            let parts = try sizes.map { s -> ONNXValue in
                var o = d; o[a] = s
                if op == "SplitToSequence" && attrInt(n, "keepdims", 1) == 0 && s == 1 { o.remove(at: a) }
                return a == 1 && d.count == 4 ? try view(n, x, o) : try node(n, .copy(.slice), inputs: [x], dims: o)
            }
            return op == "Split" ? parts : [.sequence(parts)]
        case "SequenceAt":
            guard case .sequence(let items)? = input(n, 0), let i = try intsOf(n, 1, "the position")?.first,
                  let k = ONNXFold.axis(i, rank: items.count) else { throw fail(n, "needs a sequence and a position in it") }
            folded(n, "pass-through")
            return [items[k]]
        case "Shape":
            let x = try tensorInput(n, 0)
            let d = b.shape(x).dims
            let s = ONNXFold.axis(attrInt(n, "start", 0), rank: d.count + 1) ?? 0
            let e = n.attributes["end"]?.i.map { Int(clamping: $0) }.map { $0 < 0 ? $0 + d.count : min($0, d.count) } ?? d.count
            folded(n, "folded")
            return [.constant(.vector(Array(d[min(s, d.count)..<max(min(e, d.count), min(s, d.count))])))]
        case "Size":
            folded(n, "folded")
            return [.constant(ONNXConstant(dims: [], ints: [Int64(b.shape(try tensorInput(n, 0)).elements)]))]

        default:
            return nil
        }
    }

    /// A change of shape without a kernel.
    mutating func view(_ n: ONNXModel.Node, _ x: Int, _ dims: [Int]) throws -> ONNXValue {
        if dims == b.shape(x).dims { folded(n, "pass-through"); return .tensor(x) }
        guard dims.count <= 8 else { throw fail(n, "the result has \(dims.count) dimensions (at most 8)") }
        try within(n, dims)
        folded(n, "view")
        return .tensor(b.add(.view, inputs: [x], shape: TensorShape(dims), name: label(n)))
    }
}
