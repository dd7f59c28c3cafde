/// Graph-file ops beyond convolutional networks: activations, broadcasting arithmetic, reductions, normalisation,
/// data movement, transposed convolution, matrix products, softmax and attention (see README, "Graph files").
extension GraphFile {
    /// Op names of this group, as a graph file writes them.
    static let tensorOps = ["sigmoid", "hard_sigmoid", "hard_swish", "silu", "gelu", "tanh", "erf", "sqrt", "exp", "clamp",
                            "mul", "div", "sub", "reduce_mean", "reduce_sum", "reduce_max", "layernorm", "groupnorm",
                            "transpose", "reshape", "slice", "pad", "resize", "conv_transpose", "matmul", "softmax", "attention"]

    static func addTensorOp(_ b: inout GraphBuilder, _ n: [String: Any], op: String, name: String, inputs ins: [Int],
                            fail: (String) -> ConvtopError) throws -> Int? {
        func ints(_ key: String) throws -> [Int]? {
            guard let v = n[key] else { return nil }
            guard let a = v as? [Int], a.count <= 8, a.allSatisfy({ abs($0) <= InputLimits.dimension }) else {
                throw fail("field '\(key)' must be an array of at most 8 integers")
            }
            return a
        }
        func int(_ key: String, _ def: Int, _ range: ClosedRange<Int>) throws -> Int {
            guard let v = n[key] else { return def }
            guard let i = v as? Int, range.contains(i) else { throw fail("field '\(key)' must be an integer from \(range.lowerBound) to \(range.upperBound)") }
            return i
        }
        func one() throws -> Int {
            guard ins.count == 1 else { throw fail("op '\(op)' takes exactly one input (got \(ins.count))") }
            return ins[0]
        }
        func checked(_ dims: [Int], macs: Int = 0) throws -> TensorShape {
            guard dims.allSatisfy({ $0 >= 1 }), InputLimits.checkedElements(dims) != nil, Double(macs) <= InputLimits.macs else {
                throw fail("the output (\(dims.map(String.init).joined(separator: "×"))) is out of range")
            }
            return TensorShape(dims)
        }
        func axis(_ a: Int, _ rank: Int) throws -> Int {
            guard let x = ONNXFold.axis(a, rank: rank) else { throw fail("axis \(a) does not fit a tensor of rank \(rank)") }
            return x
        }
        if let u = UnaryOp.byName[op] {
            let x = try one()
            return b.add(.unary(u), inputs: [x], shape: b.shape(x), name: name)
        }
        switch op {
        case "mul", "div", "sub":
            guard ins.count == 2 else { throw fail("op '\(op)' takes exactly two inputs") }
            guard let out = ONNXFold.broadcast(b.shape(ins[0]).dims, b.shape(ins[1]).dims) else {
                throw fail("inputs \(b.shape(ins[0])) and \(b.shape(ins[1])) do not broadcast")
            }
            return b.add(.binary(BinaryOp(rawValue: op)!), inputs: ins, shape: try checked(out), name: name)
        case "reduce_mean", "reduce_sum", "reduce_max":
            let x = try one()
            let d = b.shape(x).dims
            let axes = try Set((ints("axes") ?? Array(d.indices)).map { try axis($0, d.count) })
            let keep = (n["keepdims"] as? Bool) ?? true
            let out = keep ? d.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
                           : d.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
            let kind: ReduceOp = op == "reduce_mean" ? .mean : (op == "reduce_sum" ? .sum : .max)
            return b.add(.reduce(kind), inputs: [x], shape: try checked(out.isEmpty ? [1] : out), name: name)
        case "layernorm":
            let x = try one()
            let d = b.shape(x).dims
            let k = try int("normalized_dims", 1, 1...max(d.count, 1))
            return b.add(.layerNorm(normalized: d.suffix(k).reduce(1, *)), inputs: [x], shape: b.shape(x), name: name)
        case "groupnorm":
            let x = try one()
            let g = try int("groups", 32, 1...InputLimits.dimension)
            guard b.shape(x).rank >= 3, b.channels(x) % g == 0 else { throw fail("groups (\(g)) must divide the channels of an N×C×… input") }
            return b.add(.groupNorm(groups: g), inputs: [x], shape: b.shape(x), name: name)
        case "transpose":
            let x = try one()
            let d = b.shape(x).dims
            guard let perm = try ints("perm"), perm.count == d.count, Set(perm) == Set(d.indices) else {
                throw fail("field 'perm' must be a permutation of 0..<\(d.count)")
            }
            return b.add(.copy(.transpose), inputs: [x], shape: TensorShape(perm.map { d[$0] }), name: name)
        case "reshape":
            let x = try one()
            guard let t = try ints("shape"), let out = ONNXFold.reshape(b.shape(x).dims, target: t) else {
                throw fail("field 'shape' must hold as many elements as the input \(b.shape(x)) (one -1 allowed)")
            }
            return b.add(.view, inputs: [x], shape: TensorShape(out), name: name)
        case "slice":
            let x = try one()
            var d = b.shape(x).dims
            let a = try axis(try int("axis", 1, -8...8), d.count)
            let start = try int("start", 0, 0...d[a] - 1), end = try int("end", d[a], start + 1...d[a])
            d[a] = end - start
            return b.add(a == 1 && d.count == 4 ? .view : .copy(.slice), inputs: [x], shape: TensorShape(d), name: name)
        case "pad":
            let x = try one()
            guard b.shape(x).rank == 4, let p = try ints("padding"), p.count == 4, p.allSatisfy({ (0...InputLimits.padding).contains($0) }) else {
                throw fail("field 'padding' must be [top, bottom, left, right] for an N×C×H×W input")
            }
            let s = b.shape(x)
            return b.add(.copy(.pad), inputs: [x], shape: try checked([s.batch, s.channels, s.height + p[0] + p[1], s.width + p[2] + p[3]]), name: name)
        case "resize":
            let x = try one()
            guard b.shape(x).rank == 4 else { throw fail("op 'resize' needs an N×C×H×W input") }
            let f = try int("scale", 2, 1...64)
            let mode = ResizeMode(rawValue: (n["mode"] as? String) ?? "nearest")
            guard let mode else { throw fail("field 'mode' must be nearest or bilinear") }
            let s = b.shape(x)
            return b.add(.resize(mode), inputs: [x], shape: try checked([s.batch, s.channels, s.height * f, s.width * f]), name: name)
        case "conv_transpose":
            let x = try one()
            guard b.shape(x).rank == 4 else { throw fail("op 'conv_transpose' needs an N×C×H×W input") }
            let i = b.shape(x)
            let out = try int("out_channels", 0, 1...InputLimits.dimension)
            let k = try int("kernel", 2, 1...InputLimits.window), s = try int("stride", k, 1...InputLimits.window)
            let p = try int("padding", 0, 0...InputLimits.padding), op2 = try int("output_padding", 0, 0...InputLimits.window)
            let g = try int("groups", 1, 1...InputLimits.dimension)
            guard i.channels % g == 0, out % g == 0 else { throw fail("groups (\(g)) must divide both channel counts") }
            let size = { (n: Int) in (n - 1) * s - 2 * p + k + op2 }
            let bias = (n["bias"] as? Bool) ?? true
            guard Double(i.elements) * Double(out / g) * Double(k * k) <= InputLimits.macs else { throw fail("the op needs more than 2^53 multiply-accumulates") }
            let macs = i.elements * (out / g) * k * k
            let shape = try checked([i.batch, out, size(i.height), size(i.width)], macs: macs)
            let a = ConvAttributes(inChannels: out, outChannels: i.channels, kernel: (k, k), stride: (s, s), padding: (p, p), groups: g, bias: bias)
            return b.add(.convTranspose(a), inputs: [x], shape: shape, name: name, macs: macs,
                         parameters: [i.channels * (out / g) * k * k] + (bias ? [out] : []))
        case "matmul":
            guard ins.count == 2 else { throw fail("op 'matmul' takes exactly two inputs") }
            let x = b.shape(ins[0]).dims, y = b.shape(ins[1]).dims
            guard x.count >= 2, y.count >= 2, x.last == y[y.count - 2],
                  let batch = ONNXFold.broadcast(Array(x.dropLast(2)), Array(y.dropLast(2))) else {
                throw fail("inputs \(b.shape(ins[0])) and \(b.shape(ins[1])) cannot be multiplied")
            }
            guard let bn = ONNXFold.product(batch), Double(bn) * Double(x[x.count - 2]) * Double(y.last!) * Double(x.last!) <= InputLimits.macs else {
                throw fail("the product is too large")
            }
            let s = MatmulShape(batch: bn, m: x[x.count - 2], n: y.last!, k: x.last!)
            return b.add(.matmul(s), inputs: ins, shape: try checked(batch + [s.m, s.n], macs: s.macs), name: name, macs: s.macs)
        case "softmax":
            let x = try one()
            return b.add(.softmax, inputs: [x], shape: b.shape(x), name: name)
        case "attention":
            guard ins.count == 3 else { throw fail("op 'attention' takes query, key and value") }
            let q = b.shape(ins[0]).dims, k = b.shape(ins[1]).dims, v = b.shape(ins[2]).dims
            guard q.count == 4, k.count == 4, v.count == 4, q[0] == k[0], q[1] == k[1], q[3] == k[3], k.prefix(3) == v.prefix(3) else {
                throw fail("query, key and value must be N×heads×sequence×features with matching sizes")
            }
            guard 2 * Double(q[0]) * Double(q[1]) * Double(q[2]) * Double(k[2]) * Double(q[3]) <= InputLimits.macs else {
                throw fail("the attention is too large")
            }
            let s = AttentionShape(batch: q[0], heads: q[1], seqQ: q[2], seqK: k[2], headDim: q[3])
            return b.add(.attention(s), inputs: ins, shape: try checked([q[0], q[1], q[2], v[3]], macs: s.macs), name: name, macs: s.macs)
        default:
            return nil
        }
    }
}
