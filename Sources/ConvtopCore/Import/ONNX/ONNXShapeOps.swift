/// ONNX ops whose inputs are all known at import time (shape arithmetic, weights reshaped or transposed, masks):
/// folded into constants, with values where shapes depend on them. They launch no kernel in the imported graph.
extension ONNXGraphBuild {
    static let shapeOps = ["Constant", "ConstantOfShape", "Range"]

    mutating func shapeOp(_ n: ONNXModel.Node) throws -> [ONNXValue] {
        folded(n, "folded")
        if n.inputs.contains(where: { if case .constant(let c)? = values[$0] { return !c.shapeKnown } else { return false } }) {
            return unknownShape(n)
        }
        do { return try foldConstants(n) } catch {
            // Constants launch nothing: a shape that cannot be worked out only matters where a kernel uses it.
            guard n.opType != "Constant" else { throw error }
            return unknownShape(n)
        }
    }

    func unknownShape(_ n: ONNXModel.Node) -> [ONNXValue] {
        let sources = n.inputs.reduce(into: Set<String>()) { if case .constant(let c)? = values[$1] { $0.formUnion(c.sources) } }
        var c = ONNXConstant(dims: [1], sources: sources)
        c.shapeKnown = false
        return Array(repeating: .constant(c), count: max(n.outputs.count, 1))
    }

    /// Folds a node whose inputs are all constants: the first family that knows the op.
    func foldConstants(_ n: ONNXModel.Node) throws -> [ONNXValue] {
        let cs = n.inputs.indices.map { constant(n, $0) }
        let a = FoldInputs(node: n, constants: cs, sources: cs.reduce(into: Set<String>()) { $0.formUnion($1?.sources ?? []) },
                           fail: { fail(n, $0) })
        if let v = try foldSource(a) ?? foldArithmetic(a) ?? foldValues(a) ?? foldShape(a) { return v }
        // Element-wise ops of constants (a learned table through an activation, a mask through a comparison).
        guard let x = cs.first ?? nil else { throw fail(n, "needs an input") }
        var d = x.dims
        for o in cs.dropFirst() { if let o, let bd = ONNXFold.broadcast(d, o.dims) { d = bd } }
        return try a.shaped(d)
    }

    /// A folded node's constant inputs, and how to make its results.
    struct FoldInputs {
        let node: ONNXModel.Node
        let constants: [ONNXConstant?]
        let sources: Set<String>
        let fail: (String) -> ConvtopError

        /// Input `i`, which must be known.
        func c(_ i: Int) throws -> ONNXConstant {
            guard i < constants.count, let v = constants[i] else { throw fail("needs input \(i)") }
            return v
        }

        /// A constant result of shape `dims`, with values where known.
        func shaped(_ dims: [Int], ints: [Int64]? = nil, floats: [Float]? = nil) throws -> [ONNXValue] {
            guard dims.allSatisfy({ $0 >= 0 }), InputLimits.checkedElements(dims.map { max($0, 1) }) != nil else {
                throw fail("the constant shape \(dims) is out of range")
            }
            return [.constant(ONNXConstant(dims: dims, ints: ints, floats: floats, sources: sources))]
        }
    }

    /// Constants, pass-throughs, shapes of tensors and generated sequences.
    private func foldSource(_ a: FoldInputs) throws -> [ONNXValue]? {
        let n = a.node, op = n.opType
        func c(_ i: Int) throws -> ONNXConstant { try a.c(i) }
        func shaped(_ d: [Int], ints: [Int64]? = nil, floats: [Float]? = nil) throws -> [ONNXValue] { try a.shaped(d, ints: ints, floats: floats) }
        switch op {
        case "Constant":
            let a = n.attributes
            if let t = a["value"]?.tensor { return try shaped(t.dims, ints: t.ints.isEmpty ? nil : t.ints, floats: t.floats.isEmpty ? nil : t.floats) }
            if let f = a["value_float"]?.f { return try shaped([], floats: [f]) }
            if let i = a["value_int"]?.i { return try shaped([], ints: [i]) }
            if let v = a["value_ints"], !v.ints.isEmpty { return try shaped([v.ints.count], ints: v.ints) }
            if let v = a["value_floats"], !v.floats.isEmpty { return try shaped([v.floats.count], floats: v.floats) }
            return try shaped([])
        case "Identity", "Cast", "CastLike", "Dropout":
            let x = try c(0)
            return try shaped(x.dims, ints: x.ints, floats: x.floats)
        case "Shape":
            let d = try c(0).dims
            let s = min(ONNXFold.axis(attrInt(n, "start", 0), rank: d.count + 1) ?? 0, d.count)
            let e = n.attributes["end"]?.i.map { Int(clamping: $0) }.map { $0 < 0 ? $0 + d.count : min($0, d.count) } ?? d.count
            return [.constant(.vector(Array(d[s..<max(min(e, d.count), s)])))]
        case "Size": return try shaped([], ints: [Int64(try c(0).count)])
        case "ConstantOfShape":
            guard let d = try c(0).intValues, d.count <= 8, d.allSatisfy({ $0 >= 0 }), let count = ONNXFold.product(d) else {
                throw fail(n, "the shape must be known, with at most 8 dimensions of sensible size")
            }
            let t = n.attributes["value"]?.tensor
            let keep = count <= ONNXConstant.maxValues
            return try shaped(d, ints: keep ? Array(repeating: t?.ints.first ?? 0, count: count) : nil,
                              floats: keep && t?.floats.first != nil ? Array(repeating: t!.floats[0], count: count) : nil)
        case "Range":
            guard let s = try c(0).doubleValues?.first, let l = try c(1).doubleValues?.first, let d = try c(2).doubleValues?.first, d != 0,
                  [s, l, d].allSatisfy({ $0.isFinite && abs($0) <= 1e15 }) else {
                throw fail(n, "start, limit and delta must be known numbers")
            }
            let steps = ((l - s) / d).rounded(.up)
            guard steps <= Double(InputLimits.dimension) else { throw fail(n, "the range is too long") }
            let len = max(Int(steps), 0)
            return try shaped([len], ints: (0..<len).map { Int64(s + Double($0) * d) })
        default:
            return nil
        }
    }

    /// Element-wise arithmetic, comparisons and selections on known values.
    private func foldArithmetic(_ a: FoldInputs) throws -> [ONNXValue]? {
        let n = a.node, op = n.opType, cs = a.constants
        func c(_ i: Int) throws -> ONNXConstant { try a.c(i) }
        func shaped(_ d: [Int], ints: [Int64]? = nil, floats: [Float]? = nil) throws -> [ONNXValue] { try a.shaped(d, ints: ints, floats: floats) }
        switch op {
        case "Add", "Sub", "Mul", "Div", "Mod", "Min", "Max", "Equal", "Less", "Greater":
            guard let r = ONNXFold.arithmetic(op, try c(0), try c(1)) else { throw fail(n, "operands do not broadcast") }
            return [.constant(r)]
        case "Where":
            guard let d1 = ONNXFold.broadcast(try c(0).dims, try c(1).dims), let d = ONNXFold.broadcast(d1, try c(2).dims) else {
                throw fail(n, "operands do not broadcast")
            }
            var ints: [Int64]?
            let count = d.reduce(1, *)
            if let k = cs[0]?.ints, let x = cs[1]?.intValues, let y = cs[2]?.intValues, count <= ONNXConstant.maxValues,
               [k.count, x.count, y.count].allSatisfy({ $0 == count || $0 == 1 }) {
                ints = (0..<count).map { i in
                    k[k.count == 1 ? 0 : i] != 0 ? Int64(x[x.count == 1 ? 0 : i]) : Int64(y[y.count == 1 ? 0 : i])
                }
            }
            return try shaped(d, ints: ints)
        case "Not": let x = try c(0); return try shaped(x.dims, ints: x.ints.map { $0.map { $0 == 0 ? 1 : 0 } })
        case "Neg": let x = try c(0); return try shaped(x.dims, ints: x.ints.map { $0.map { 0 &- $0 } })
        default:
            return nil
        }
    }

    /// Reshapes and data movement that keep the values (so later shape arithmetic can read them).
    private func foldValues(_ a: FoldInputs) throws -> [ONNXValue]? {
        let n = a.node, op = n.opType
        func c(_ i: Int) throws -> ONNXConstant { try a.c(i) }
        func shaped(_ d: [Int], ints: [Int64]? = nil, floats: [Float]? = nil) throws -> [ONNXValue] { try a.shaped(d, ints: ints, floats: floats) }
        switch op {
        case "Unsqueeze": let x = try c(0); return try shaped(try unsqueezeDims(n, x.dims), ints: x.ints, floats: x.floats)
        case "Squeeze": let x = try c(0); return try shaped(try squeezeDims(n, x.dims), ints: x.ints, floats: x.floats)
        case "Flatten": let x = try c(0); return try shaped(try flattenDims(n, x.dims), ints: x.ints, floats: x.floats)
        case "Reshape":
            let x = try c(0)
            guard let t = try c(1).intValues, let d = ONNXFold.reshape(x.dims, target: t) else { throw fail(n, "cannot reshape \(x.dims)") }
            return try shaped(d, ints: x.ints, floats: x.floats)
        case "Expand":
            let x = try c(0)
            // A target whose values the file does not hold (an export without parameters turns folded constants
            // into inputs) leaves the shape as it is: this constant launches nothing either way.
            guard let t = try c(1).intValues else { return try shaped(x.dims, ints: x.ints, floats: x.floats) }
            guard let d = ONNXFold.broadcast(x.dims, t) else { throw fail(n, "cannot expand \(x.dims)") }
            let count = d.reduce(1, *)
            return try shaped(d, ints: x.ints.flatMap { $0.count == 1 ? Array(repeating: $0[0], count: count) : nil })
        case "Concat":
            let parts = try n.inputs.indices.map { try c($0) }
            let (d, axis) = try concatDims(n, parts.map(\.dims))
            let ints = d.count == 1 && axis == 0 && parts.allSatisfy({ $0.ints != nil }) ? parts.flatMap { $0.ints! } : nil
            return try shaped(d, ints: ints)
        case "Gather":
            let x = try c(0), idx = try c(1)
            let (d, axis) = try gatherDims(n, data: x.dims, indices: idx.dims)
            var ints: [Int64]?
            if x.dims.count == 1, axis == 0, let v = x.ints, let i = idx.intValues {
                ints = i.compactMap { ONNXFold.axis($0, rank: v.count).map { v[$0] } }
                if ints?.count != i.count { ints = nil }
            }
            return try shaped(d, ints: ints)
        case "Slice":
            let x = try c(0)
            let (d, _) = try sliceDims(n, x.dims)
            guard x.dims.count <= 8, x.ints != nil || x.floats != nil else { return try shaped(d) }
            let keep = try sliceIndices(n, x.dims)
            return try shaped(d, ints: x.ints.map { Self.sliced($0, dims: x.dims, keep: keep) },
                              floats: x.floats.map { Self.sliced($0, dims: x.dims, keep: keep) })
        case "Transpose":
            let x = try c(0)
            let (d, perm) = try transposeDims(n, x.dims)
            return try shaped(d, ints: x.ints.map { Self.permuted($0, dims: x.dims, perm: perm) },
                              floats: x.floats.map { Self.permuted($0, dims: x.dims, perm: perm) })
        default:
            return nil
        }
    }

    /// Ops whose result only needs its shape (values unknown or not needed).
    private func foldShape(_ a: FoldInputs) throws -> [ONNXValue]? {
        let n = a.node, op = n.opType
        func c(_ i: Int) throws -> ONNXConstant { try a.c(i) }
        func shaped(_ d: [Int], ints: [Int64]? = nil, floats: [Float]? = nil) throws -> [ONNXValue] { try a.shaped(d, ints: ints, floats: floats) }
        switch op {
        case "Tile":
            guard let r = try c(1).intValues, r.count == (try c(0).dims.count) else { throw fail(n, "repeats must match the rank") }
            return try shaped(zip(try c(0).dims, r).map(*))
        case "Split", "SplitToSequence":
            let x = try c(0)
            let (sizes, a) = try splitSizes(n, x.dims, outputs: n.outputs.count)
            let parts = try sizes.map { s -> ONNXValue in var d = x.dims; d[a] = s; return try shaped(d)[0] }
            return op == "Split" ? parts : [.sequence(parts)]
        case "MatMul":
            return try shaped(try matmulDims(n, try c(0).dims, try c(1).dims).dims)
        case "Gemm":
            let a = try c(0).dims, w = try c(1).dims
            guard a.count == 2, w.count == 2 else { throw fail(n, "needs 2-D operands") }
            return try shaped([attrInt(n, "transA", 0) == 1 ? a[1] : a[0], attrInt(n, "transB", 0) == 1 ? w[0] : w[1]])
        case "Einsum": return try shaped(try einsumDims(n, try n.inputs.indices.map { try c($0).dims }).dims)
        case "Pad": return try shaped(try padDims(n, try c(0).dims))
        case "ScatterND", "ScatterElements": return try shaped(try c(0).dims)
        case "GatherND":
            let x = try c(0).dims, i = try c(1).dims
            guard let last = i.last, last <= x.count else { throw fail(n, "indices do not fit the data") }
            return try shaped(Array(i.dropLast()) + Array(x.dropFirst(last)))
        case "GatherElements": return try shaped(try c(1).dims)
        case _ where op.hasPrefix("Reduce"): return try shaped(try reduceDims(n, try c(0).dims))
        case "Resize", "Upsample": return try shaped(try resizeDims(n, try c(0).dims))
        default:
            return nil
        }
    }
}
