import Foundation

/// Imports an ONNX file (with or without weights) as a forward graph, inferring shapes for the supported ops.
public enum ONNXImporter {
    public static let supported = ["Conv", "BatchNormalization", "Relu", "Clip", "MaxPool", "AveragePool", "GlobalAveragePool",
                                   "Concat", "Add", "Mul", "Gemm", "MatMul", "Flatten", "Reshape", "Identity", "Dropout",
                                   "Constant", "Softmax", "Sum"]

    public static func load(path: String, batch: Int? = nil) throws -> Graph {
        let file = (path as NSString).lastPathComponent
        let data = try InputFile.read(path, what: "ONNX model")
        let model: ONNXModel
        do { model = try ONNXModel.parse([UInt8](data)) } catch {
            throw ModelError("\(file): not a valid ONNX model (corrupt or truncated protobuf)")
        }
        return try build(model, name: (file as NSString).deletingPathExtension, file: file, batch: batch)
    }

    /// A value in the graph: an activation (a node of ours), or a weight/constant known only by its shape.
    enum Value { case activation(Int); case weight([Int], values: [Float], ints: [Int64]) }

    static func build(_ m: ONNXModel, name: String, file: String, batch: Int?) throws -> Graph {
        let unsupported = Set(m.nodes.map(\.opType)).subtracting(supported).sorted()
        guard unsupported.isEmpty else {
            throw ModelError(SafeText.printable("\(file): unsupported ONNX ops: \(unsupported.joined(separator: ", ")) (convtop imports \(supported.joined(separator: ", ")))"))
        }
        var b = GraphBuilder(name: name)
        var values: [String: Value] = [:]
        for (k, t) in m.initializers { values[k] = .weight(t.dims, values: t.floats, ints: t.ints) }
        var activations = 0
        for inp in m.inputs where values[inp.name] == nil {
            // Graph inputs that no node consumes as data are weights (exports without initializers list them here).
            let consumedAsData = m.nodes.contains { n in n.inputs.first == inp.name && n.opType != "Identity" }
            if consumedAsData && activations == 0 {
                var dims = inp.dims.map { $0 < 0 ? 1 : $0 }
                guard dims.count == 4 || dims.count == 2 else { throw ModelError("\(file): input '\(inp.name)' must be 2-D or 4-D (got \(inp.dims))") }
                if let batch { dims[0] = batch }
                dims = dims.map { $0 == 0 ? 1 : $0 }
                guard InputLimits.checkedElements(dims) != nil else {
                    throw ModelError("\(file): input '\(inp.name)' has a shape out of range (\(inp.dims); each dimension 1 to \(InputLimits.dimension))")
                }
                values[inp.name] = .activation(b.input(dims, name: inp.name))
                activations += 1
            } else {
                values[inp.name] = .weight(inp.dims, values: [], ints: [])
            }
        }
        guard activations > 0 else { throw ModelError("\(file): the model has no image input") }

        func fail(_ n: ONNXModel.Node, _ why: String) -> ModelError {
            // Names come from the file: control characters are escaped so the message stays one printable line.
            ModelError(SafeText.printable("\(file): node '\(n.name.isEmpty ? n.outputs.first ?? n.opType : n.name)' (\(n.opType)): \(why)"))
        }
        for n in m.nodes {
            func act(_ i: Int) throws -> Int {
                guard i < n.inputs.count, case .activation(let id)? = values[n.inputs[i]] else {
                    throw fail(n, "input \(i) ('\(i < n.inputs.count ? n.inputs[i] : "")') is not a computed tensor")
                }
                return id
            }
            func weightDims(_ i: Int) throws -> [Int] {
                guard i < n.inputs.count, case .weight(let d, _, _)? = values[n.inputs[i]] else {
                    throw fail(n, "input \(i) must be a weight with a known shape")
                }
                return d
            }
            func ints(_ k: String) -> [Int]? { n.attributes[k].map { $0.ints.map { Int(clamping: $0) } } }
            func int(_ k: String, _ def: Int) -> Int { n.attributes[k]?.i.map { Int(clamping: $0) } ?? def }
            /// An attribute of exactly `count` integers in `range` (or `def` when absent): short, empty or huge lists
            /// are one clear error, never an out-of-range index.
            func attr(_ k: String, _ def: [Int], count: Int, _ range: ClosedRange<Int>) throws -> [Int] {
                guard let v = ints(k) else { return def }
                guard v.count == count, v.allSatisfy({ range.contains($0) }) else {
                    throw fail(n, "attribute '\(k)' must be \(count) integers from \(range.lowerBound) to \(range.upperBound) (got \(v))")
                }
                return v
            }
            func input(_ i: Int) throws -> String {
                guard i < n.inputs.count else { throw fail(n, "needs at least \(i + 1) input(s), has \(n.inputs.count)") }
                return n.inputs[i]
            }
            func within(_ shape: [Int], macs: Double = 0) throws {
                guard InputLimits.checkedElements(shape) != nil, macs <= InputLimits.macs else {
                    throw fail(n, "the output \(shape) or its work is too large")
                }
            }
            let label = (n.name.isEmpty ? n.outputs.first ?? n.opType : n.name).replacingOccurrences(of: "/", with: ".")
                .trimmingCharacters(in: CharacterSet(charactersIn: "."))
            var out: Value
            switch n.opType {
            case "Identity", "Dropout":
                guard let v = values[try input(0)] else { throw fail(n, "unknown input '\(n.inputs[0])'") }
                out = v
            case "Constant":
                let t = n.attributes["value"]?.tensor ?? ONNXModel.Tensor()
                let f = n.attributes["value_float"]?.f.map { [$0] } ?? t.floats
                out = .weight(t.dims, values: f, ints: n.attributes["value_ints"]?.ints ?? t.ints)
            case "Conv":
                let x = try act(0)
                let w = try weightDims(1)
                guard w.count == 4, w.allSatisfy({ $0 >= 1 && $0 <= InputLimits.dimension }) else {
                    throw fail(n, "only 2-D convolutions with a weight of 4 positive dimensions are supported (weight shape \(w))")
                }
                let win = 1...InputLimits.window
                let k = try attr("kernel_shape", [w[2], w[3]], count: 2, win)
                let s = try attr("strides", [1, 1], count: 2, win), d = try attr("dilations", [1, 1], count: 2, win)
                let p = try attr("pads", [0, 0, 0, 0], count: 4, 0...InputLimits.padding)
                let g = int("group", 1)
                guard g >= 1 && g <= InputLimits.dimension, w[0] % g == 0, b.channels(x) == w[1] * g else {
                    throw fail(n, "weight \(w) with group \(g) does not fit \(b.channels(x)) input channels")
                }
                guard b.shape(x).rank == 4 else { throw fail(n, "needs a 4-D input") }
                let i = b.shape(x)
                let oh = GraphBuilder.convolvedSize(i.height, k: k[0], s: s[0], p: (p[0] + p[2]) / 2, d: d[0])
                let ow = GraphBuilder.convolvedSize(i.width, k: k[1], s: s[1], p: (p[1] + p[3]) / 2, d: d[1])
                guard oh > 0, ow > 0 else { throw fail(n, "the kernel is larger than the padded \(i.height)×\(i.width) input") }
                try within([i.batch, w[0], oh, ow], macs: Double(i.batch) * Double(w[0]) * Double(oh) * Double(ow) * Double(w[1]) * Double(k[0] * k[1]))
                out = .activation(b.conv(x, w[0], k: (k[0], k[1]), s: (s[0], s[1]), p: ((p[0] + p[2]) / 2, (p[1] + p[3]) / 2),
                                         d: (d[0], d[1]), groups: g, bias: n.inputs.count > 2 && !n.inputs[2].isEmpty, name: label))
            case "BatchNormalization": out = .activation(b.bn(try act(0), name: label))
            case "Relu": out = .activation(b.relu(try act(0), name: label))
            case "Clip": out = .activation(b.add(.relu6, inputs: [try act(0)], shape: b.shape(try act(0)), name: label))
            case "MaxPool", "AveragePool":
                let x = try act(0)
                guard b.shape(x).rank == 4 else { throw fail(n, "needs a 4-D input") }
                let win = 1...InputLimits.window
                let k = try attr("kernel_shape", [1, 1], count: 2, win), s = try attr("strides", [1, 1], count: 2, win)
                let p = try attr("pads", [0, 0, 0, 0], count: 4, 0...InputLimits.padding)
                let ceil = int("ceil_mode", 0) == 1
                guard p[0] * 2 <= k[0], GraphBuilder.pooledSize(b.shape(x).height, PoolAttributes(kernel: k[0], stride: s[0], padding: p[0], ceilMode: ceil)) > 0 else {
                    throw fail(n, "the pooling window (\(k[0]), padding \(p[0])) does not fit the \(b.shape(x).height)-high input")
                }
                out = .activation(n.opType == "MaxPool" ? b.maxPool(x, k: k[0], s: s[0], p: p[0], ceil: ceil, name: label)
                                                         : b.avgPool(x, k: k[0], s: s[0], p: p[0], ceil: ceil, name: label))
            case "GlobalAveragePool": out = .activation(b.adaptiveAvgPool(try act(0)))
            case "Concat":
                let xs = try n.inputs.indices.map { try act($0) }
                guard int("axis", 1) == 1 else { throw fail(n, "only channel concatenation (axis 1) is supported") }
                guard !xs.isEmpty else { throw fail(n, "needs at least one input") }
                let s0 = b.shape(xs[0])
                for x in xs where b.shape(x).rank != s0.rank || b.shape(x).batch != s0.batch || b.shape(x).height != s0.height || b.shape(x).width != s0.width {
                    throw fail(n, "inputs must agree in every dimension but channels (\(s0) vs \(b.shape(x)))")
                }
                try within([s0.batch, xs.reduce(0) { $0 + min(b.channels($1), InputLimits.dimension) }] + Array(s0.dims.dropFirst(2)))
                out = .activation(xs.count == 1 ? xs[0] : b.concat(xs, name: label))
            case "Add", "Mul", "Sum":
                let xs = n.inputs.compactMap { name -> Int? in if case .activation(let id)? = values[name] { return id } else { return nil } }
                guard !xs.isEmpty else { throw fail(n, "needs at least one computed input") }
                out = .activation(b.sum(xs, name: label))
            case "Gemm", "MatMul":
                let x = try act(0)
                let w = try weightDims(1)
                guard w.count == 2, w.allSatisfy({ $0 >= 1 && $0 <= InputLimits.dimension }) else { throw fail(n, "weight must be 2-D with positive dimensions (got \(w))") }
                let outF = n.opType == "Gemm" && int("transB", 0) == 1 ? w[0] : w[1]
                let inF = b.shape(x).elements / b.shape(x).batch
                let expectIn = n.opType == "Gemm" && int("transB", 0) == 1 ? w[1] : w[0]
                guard inF == expectIn else { throw fail(n, "weight expects \(expectIn) input features, got \(inF)") }
                try within([b.shape(x).batch, outF], macs: Double(b.shape(x).batch) * Double(outF) * Double(inF))
                out = .activation(b.linear(x, outF, bias: n.inputs.count > 2, name: label))
            case "Flatten": out = .activation(b.flatten(try act(0)))
            case "Reshape":
                let x = try act(0)
                guard case .weight(_, _, let target)? = values[try input(1)], target.count == 2 else {
                    throw fail(n, "only reshapes to 2-D with a constant shape are supported")
                }
                out = .activation(b.flatten(x))
            case "Softmax": out = .activation(b.add(.softmax, inputs: [try act(0)], shape: b.shape(try act(0)), name: label))
            default: throw fail(n, "unsupported op")
            }
            for o in n.outputs.prefix(1) { values[o] = out }
        }
        return b.build()
    }
}
