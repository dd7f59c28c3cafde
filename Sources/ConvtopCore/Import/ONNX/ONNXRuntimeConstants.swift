/// Constants an exporter wrote as a subgraph that convtop folds at import but PyTorch computes on the device in every
/// pass: Swin's shifted-window attention mask (`x.new_zeros`, nine slice fills, a permuted copy, a difference and two
/// `masked_fill`s, torchvision's `shifted_window_attention`) and its relative-position bias (a gather from the learned
/// table and a permuted copy; Swin-V2's small MLP and sigmoid). The TorchScript exporter keeps those as ONNX ops on
/// constants; PyTorch launches a small kernel for each, which at batch 1–2 is what Swin's replays spend beyond
/// convtop's (Swin-B at batch 6 profiled 825 kernels where convtop's graph had 585, round 24).
extension ONNXGraphBuild {
    /// Folded elements below which a constant is taken for host arithmetic (a scale, a shape), not a device tensor.
    static let runtimeConstantElements = 16

    /// Charges the device work behind constant operand `name` of a computed op: every op of its folded subgraph that
    /// PyTorch runs as a kernel on a tensor of at least `runtimeConstantElements` becomes an element-wise kernel of
    /// that size, for every op that reads it (PyTorch builds a Swin mask in each shifted block where the dynamo
    /// exporter computes one per stage for all its blocks); an initializer the exporter folded becomes a gather and a
    /// permuted copy, once, as torchvision gathers a relative-position bias from its table. They read a stand-in input
    /// of their own, so that they neither take a gradient nor change what the computed op reads. (Priced as copies
    /// instead, the masks' fills came out at 2.45 µs each where the profile's take 0.8–1.4, and Swin-T at batch 4
    /// +6.8%.)
    mutating func chargeRuntimeConstant(_ name: String) {
        // An initializer the TorchScript exporter folded (named `onnx::Op_n`; parameters keep their module names):
        // PyTorch computes it in every pass; what from is gone, so Swin's and MaxViT's relative-position bias stands
        // for it (a gather from the learned table, then a permuted copy).
        if foldedBy[name] == nil, name.hasPrefix("onnx::"), !runtimeCharged.contains(name), let dims = deviceDims(name) {
            runtimeCharged.insert(name)
            let gathered = runtimeKernel(.unary(.other), dims: dims, name: name + ".runtime_gather")
            b.add(.copy(.transpose), inputs: [gathered], shape: TensorShape(dims), name: name + ".runtime")
            mapping["initializer folded by the exporter", default: [:]]["recomputed by PyTorch", default: 0] += 1
        }
        var stack = [name], seen: Set<String> = []
        while let v = stack.popLast() {
            guard !seen.contains(v), let p = foldedBy[v] else { continue }
            seen.insert(v)
            for i in Self.dataInputs(p) where i < p.inputs.count && !p.inputs[i].isEmpty { stack.append(p.inputs[i]) }
            guard Self.launchesKernel(p.opType), let dims = deviceDims(v) else { continue }
            runtimeKernel(.unary(.other), dims: dims, name: label(p) + ".runtime")
            // (the report counts ONNX ops, once each, no longer among those that launch nothing)
            guard runtimeCharged.insert(v).inserted else { continue }
            mapping[p.opType, default: [:]]["recomputed by PyTorch", default: 0] += 1
            if let f = mapping[p.opType]?["folded"] { mapping[p.opType]?["folded"] = f > 1 ? f - 1 : nil }
        }
    }

    /// The shape of constant `name` where it is a device tensor PyTorch computes (known, of at least
    /// `runtimeConstantElements` elements and within the input limits); nil otherwise.
    func deviceDims(_ name: String) -> [Int]? {
        guard case .constant(let c)? = values[name], c.shapeKnown, c.count >= Self.runtimeConstantElements,
              c.count <= InputLimits.elements else { return nil }
        return c.dims
    }

    /// One recomputed kernel of `kind` on a tensor of `dims`, reading a stand-in input of its own.
    @discardableResult
    mutating func runtimeKernel(_ kind: OpKind, dims: [Int], name: String) -> Int {
        let source = b.input(dims, name: name + "_input")
        return b.add(kind, inputs: [source], shape: TensorShape(dims), name: name)
    }

    /// The inputs of a folded op that carry its data, as PyTorch computes it: not the indices and updates a
    /// slice assignment is exported with, not a gather's index buffer, not shapes and bounds.
    static func dataInputs(_ n: ONNXModel.Node) -> Range<Int> {
        switch n.opType {
        case "ScatterND", "ScatterElements", "Gather", "GatherElements", "Reshape", "Expand", "Slice", "Unsqueeze",
             "Squeeze", "Tile", "Pad", "Transpose", "Identity", "Cast", "Flatten", "Clip": return 0..<1
        case "ConstantOfShape", "Constant", "Shape", "Range", "Size": return 0..<0
        default: return 0..<n.inputs.count
        }
    }

    /// Whether PyTorch launches a kernel for the op (views, casts the exporter adds, and host arithmetic do not).
    static func launchesKernel(_ op: String) -> Bool {
        !["Reshape", "Unsqueeze", "Squeeze", "Flatten", "Identity", "Expand", "Slice", "Cast", "Shape", "Size", "Constant",
          "Range"].contains(op)
    }
}
