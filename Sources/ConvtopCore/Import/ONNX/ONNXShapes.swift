/// Shape rules of ONNX ops, shared by computed tensors and import-time constants. Each returns nil when the
/// attributes do not fit the input shape (the caller turns that into one clear error).
extension ONNXGraphBuild {
    /// Axes attribute (opset < 13/18) or input `index`; negative axes normalised for `rank`.
    func axes(_ n: ONNXModel.Node, input index: Int, rank: Int) throws -> [Int]? {
        let raw = try attrInts(n, "axes") ?? intsOf(n, index, "axes")
        guard let raw else { return nil }
        let a = raw.compactMap { ONNXFold.axis($0, rank: rank) }
        guard a.count == raw.count, Set(a).count == a.count else { throw fail(n, "axes \(raw) do not fit a tensor of rank \(rank)") }
        return a.sorted()
    }

    func reduceDims(_ n: ONNXModel.Node, _ d: [Int]) throws -> [Int] {
        let keep = attrInt(n, "keepdims", 1) == 1
        let all = Array(d.indices)
        var a = try axes(n, input: 1, rank: d.count) ?? []
        if a.isEmpty { a = attrInt(n, "noop_with_empty_axes", 0) == 1 ? [] : all }
        return keep ? d.enumerated().map { a.contains($0.offset) ? 1 : $0.element }
                    : d.enumerated().filter { !a.contains($0.offset) }.map(\.element)
    }

    func unsqueezeDims(_ n: ONNXModel.Node, _ d: [Int]) throws -> [Int] {
        let raw = try attrInts(n, "axes") ?? intsOf(n, 1, "axes") ?? []
        let rank = d.count + raw.count
        let a = raw.compactMap { ONNXFold.axis($0, rank: rank) }
        guard a.count == raw.count, Set(a).count == a.count else { throw fail(n, "axes \(raw) do not fit rank \(rank)") }
        var out: [Int] = [], it = d.makeIterator()
        for i in 0..<rank { out.append(a.contains(i) ? 1 : it.next() ?? 1) }
        return out
    }

    func squeezeDims(_ n: ONNXModel.Node, _ d: [Int]) throws -> [Int] {
        guard let a = try axes(n, input: 1, rank: d.count) else { return d.filter { $0 != 1 } }
        return d.enumerated().filter { !a.contains($0.offset) }.map(\.element)
    }

    func transposeDims(_ n: ONNXModel.Node, _ d: [Int]) throws -> (dims: [Int], perm: [Int]) {
        let perm = attrInts(n, "perm") ?? Array(d.indices.reversed())
        guard perm.count == d.count, Set(perm) == Set(d.indices) else { throw fail(n, "perm \(perm) does not fit rank \(d.count)") }
        return (perm.map { d[$0] }, perm)
    }

    func flattenDims(_ n: ONNXModel.Node, _ d: [Int]) throws -> [Int] {
        guard let a = ONNXFold.axis(attrInt(n, "axis", 1), rank: d.count + 1) else { throw fail(n, "axis out of range") }
        return [d.prefix(a).reduce(1, *), d.dropFirst(a).reduce(1, *)]
    }

    func concatDims(_ n: ONNXModel.Node, _ parts: [[Int]]) throws -> (dims: [Int], axis: Int) {
        guard let first = parts.first, let a = ONNXFold.axis(attrInt(n, "axis", 0), rank: first.count) else {
            throw fail(n, "needs inputs and an axis within their rank")
        }
        for p in parts where p.count != first.count || p.enumerated().contains(where: { $0.offset != a && $0.element != first[$0.offset] }) {
            throw fail(n, "inputs must agree in every dimension but axis \(a) (\(first) vs \(p))")
        }
        var out = first
        out[a] = parts.reduce(0) { $0 + min($1[a], InputLimits.dimension) }
        return (out, a)
    }

    /// Slice's starts, ends, axes and steps (attributes before opset 10, inputs after), one entry per sliced axis,
    /// the axis normalised for rank `rank`.
    func sliceParams(_ n: ONNXModel.Node, rank: Int) throws -> [(axis: Int, start: Int, end: Int, step: Int)] {
        let starts = try attrInts(n, "starts") ?? intsOf(n, 1, "starts") ?? []
        let ends = try attrInts(n, "ends") ?? intsOf(n, 2, "ends") ?? []
        let rawAxes = try attrInts(n, "axes") ?? intsOf(n, 3, "axes") ?? Array(starts.indices)
        let steps = try intsOf(n, 4, "steps") ?? Array(repeating: 1, count: starts.count)
        guard starts.count == ends.count, rawAxes.count == starts.count, steps.count == starts.count else {
            throw fail(n, "starts, ends, axes and steps must have the same length")
        }
        return try rawAxes.indices.map { i in
            guard let a = ONNXFold.axis(rawAxes[i], rank: rank) else { throw fail(n, "axis \(rawAxes[i]) out of range") }
            return (a, starts[i], ends[i], steps[i])
        }
    }

    func sliceDims(_ n: ONNXModel.Node, _ d: [Int]) throws -> (dims: [Int], axes: [Int]) {
        var out = d
        var touched: [Int] = []
        for p in try sliceParams(n, rank: d.count) {
            out[p.axis] = ONNXFold.sliceLength(d[p.axis], start: p.start, end: p.end, step: p.step)
            if out[p.axis] != d[p.axis] { touched.append(p.axis) }
        }
        return (out, touched)
    }

    /// Values of a constant permuted as Transpose does (row-major).
    static func permuted<T>(_ v: [T], dims: [Int], perm: [Int]) -> [T] {
        let out = perm.map { dims[$0] }
        var strides = Array(repeating: 1, count: dims.count)
        for i in stride(from: dims.count - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * dims[i + 1] }
        var result: [T] = []
        result.reserveCapacity(v.count)
        var idx = Array(repeating: 0, count: out.count)
        for _ in 0..<v.count {
            var src = 0
            for (k, p) in perm.enumerated() { src += idx[k] * strides[p] }
            result.append(v[src])
            var k = out.count - 1
            while k >= 0 { idx[k] += 1; if idx[k] < out[k] { break }; idx[k] = 0; k -= 1 }
        }
        return result
    }

    /// Values of a constant sliced as Slice does: per axis, the source indices kept.
    static func sliced<T>(_ v: [T], dims: [Int], keep: [[Int]]) -> [T] {
        var strides = Array(repeating: 1, count: dims.count)
        for i in stride(from: dims.count - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * dims[i + 1] }
        var result: [T] = []
        func walk(_ axis: Int, _ offset: Int) {
            if axis == dims.count { result.append(v[offset]); return }
            for i in keep[axis] { walk(axis + 1, offset + i * strides[axis]) }
        }
        if keep.allSatisfy({ !$0.isEmpty }) { walk(0, 0) }
        return result
    }

    /// Source indices a Slice keeps along each axis of `d` (ONNX clamping rules).
    func sliceIndices(_ n: ONNXModel.Node, _ d: [Int]) throws -> [[Int]] {
        var keep = d.map { Array(0..<$0) }
        for p in try sliceParams(n, rank: d.count) where p.step != 0 {
            let len = d[p.axis], st = min(max(p.step, -(len + 1)), len + 1)
            func norm(_ x: Int, _ lo: Int, _ hi: Int) -> Int { min(max(x < 0 ? x + len : x, lo), hi) }
            var idx: [Int] = []
            if st > 0 {
                var j = norm(p.start, 0, len); let e = norm(p.end, 0, len)
                while j < e { idx.append(j); j += st }
            } else {
                var j = norm(p.start, -1, len - 1); let e = norm(p.end, -1, len - 1)
                while j > e { idx.append(j); j += st }
            }
            keep[p.axis] = idx
        }
        return keep
    }

    func gatherDims(_ n: ONNXModel.Node, data d: [Int], indices i: [Int]) throws -> (dims: [Int], axis: Int) {
        guard let a = ONNXFold.axis(attrInt(n, "axis", 0), rank: d.count) else { throw fail(n, "axis out of range") }
        return (Array(d.prefix(a)) + i + Array(d.dropFirst(a + 1)), a)
    }

    func padDims(_ n: ONNXModel.Node, _ d: [Int]) throws -> [Int] {
        guard var pads = try attrInts(n, "pads") ?? intsOf(n, 1, "pads") else { return d }
        var axes = Array(d.indices)
        if let ax = try intsOf(n, 3, "axes") { axes = ax.compactMap { ONNXFold.axis($0, rank: d.count) } }
        guard pads.count == 2 * axes.count, pads.allSatisfy({ abs($0) <= InputLimits.padding }) else {
            throw fail(n, "pads \(pads) do not fit rank \(d.count)")
        }
        var out = d
        for (k, a) in axes.enumerated() { out[a] += pads[k] + pads[k + axes.count] }
        pads.removeAll()
        return out
    }

    /// NumPy matmul shapes: batch dimensions broadcast; a 1-D operand is a vector.
    func matmulDims(_ n: ONNXModel.Node, _ a: [Int], _ b: [Int]) throws -> (dims: [Int], shape: MatmulShape) {
        let x = a.count == 1 ? [1] + a : a, y = b.count == 1 ? b + [1] : b
        guard x.count >= 2, y.count >= 2, x[x.count - 1] == y[y.count - 2],
              let batchDims = ONNXFold.broadcast(Array(x.dropLast(2)), Array(y.dropLast(2))) else {
            throw fail(n, "operands \(a) and \(b) cannot be multiplied")
        }
        let m = x[x.count - 2], k = x[x.count - 1], nn = y[y.count - 1]
        guard let batch = ONNXFold.product(batchDims), Double(batch) * Double(m) * Double(nn) * Double(k) <= InputLimits.macs else {
            throw fail(n, "the product of \(a) and \(b) is too large")
        }
        var dims = batchDims + [m, nn]
        if a.count == 1 { dims.remove(at: dims.count - 2) }
        if b.count == 1 { dims.removeLast() }
        return (dims, MatmulShape(batch: batch, m: m, n: nn, k: k))
    }

    /// Split sizes from input 1, the `split` attribute, `num_outputs` or an even split over the outputs.
    func splitSizes(_ n: ONNXModel.Node, _ d: [Int], outputs: Int) throws -> (sizes: [Int], axis: Int) {
        guard let a = ONNXFold.axis(attrInt(n, "axis", 0), rank: d.count) else { throw fail(n, "axis out of range") }
        // SplitToSequence with a scalar split: chunks of that size.
        if n.opType == "SplitToSequence", let c = constant(n, 1), c.dims.isEmpty, let size = c.intValues?.first, size >= 1 {
            guard (d[a] + size - 1) / size <= 4096 else { throw fail(n, "splits into more than 4096 parts") }
            return ((0..<(d[a] + size - 1) / size).map { min(size, d[a] - $0 * size) }, a)
        }
        if let s = try attrInts(n, "split") ?? intsOf(n, 1, "split") {
            guard s.count <= 4096, s.allSatisfy({ $0 >= 0 && $0 <= d[a] }), s.reduce(0, +) == d[a] else {
                throw fail(n, "split \(s.prefix(8)) does not add up to \(d[a])")
            }
            return (s, a)
        }
        let parts = max(attrInt(n, "num_outputs", outputs), 1)
        guard parts <= 4096 else { throw fail(n, "splits into \(parts) parts (at most 4096)") }
        let each = (d[a] + parts - 1) / parts
        return ((0..<parts).map { min(each, max(d[a] - $0 * each, 0)) }, a)
    }

    /// Output of Resize/Upsample: from `sizes` when given, else from `scales`.
    func resizeDims(_ n: ONNXModel.Node, _ d: [Int]) throws -> [Int] {
        if n.opType == "Resize", let s = try intsOf(n, 3, "sizes"), !s.isEmpty {
            guard s.count == d.count, d.count >= 2 else { throw fail(n, "sizes \(s) do not fit rank \(d.count)") }
            // Batch and channels never resize (a static export writes its own batch into the sizes).
            return Array(d.prefix(2)) + s.dropFirst(2)
        }
        let scaleInput = n.opType == "Upsample" || n.inputs.count == 2 ? 1 : 2
        guard let c = constant(n, scaleInput), let s = c.doubleValues, s.count == d.count, s.allSatisfy({ $0 > 0 && $0 <= 1024 }) else {
            throw fail(n, "needs constant scales or sizes for every dimension")
        }
        return zip(d, s).map { max(Int((Double($0) * $1).rounded(.down)), 1) }
    }

    /// Output shape of a two-operand einsum (no ellipsis) and its matrix-product view.
    func einsumDims(_ n: ONNXModel.Node, _ shapes: [[Int]]) throws -> (dims: [Int], shape: MatmulShape) {
        guard let eq = n.attributes["equation"]?.s?.replacingOccurrences(of: " ", with: ""), !eq.contains("."),
              let arrow = eq.range(of: "->") else { throw fail(n, "needs an explicit equation without '...'") }
        let ins = eq[..<arrow.lowerBound].split(separator: ",", omittingEmptySubsequences: false).map(Array.init)
        let outL = Array(eq[arrow.upperBound...])
        guard ins.count == shapes.count, (1...2).contains(ins.count) else { throw fail(n, "supports one or two operands") }
        var size: [Character: Int] = [:]
        for (letters, dims) in zip(ins, shapes) {
            guard letters.count == dims.count else { throw fail(n, "equation does not fit the operand ranks") }
            for (c, v) in zip(letters, dims) { size[c] = max(size[c] ?? 1, v) }
        }
        guard outL.allSatisfy({ size[$0] != nil }) else { throw fail(n, "output letters must appear in the inputs") }
        let a = Set(ins[0]), b = Set(ins.count > 1 ? ins[1] : []), o = Set(outL)
        let all = Set(ins.joined())
        guard all.reduce(1.0, { $0 * Double(size[$1] ?? 1) }) <= InputLimits.macs else { throw fail(n, "the contraction is too large") }
        func prod(_ s: Set<Character>) -> Int { s.reduce(1) { $0 * (size[$1] ?? 1) } }
        let shape = MatmulShape(batch: prod(a.intersection(b).intersection(o)), m: prod(a.intersection(o).subtracting(b)),
                                n: prod(b.intersection(o).subtracting(a)), k: prod(a.union(b).subtracting(o)))
        return (outL.map { size[$0]! }, shape)
    }
}
