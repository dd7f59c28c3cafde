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
            throw ModelError("\(file): unsupported ONNX ops: \(unsupported.joined(separator: ", ")) (convtop imports \(supported.joined(separator: ", ")))")
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
                values[inp.name] = .activation(b.input(dims, name: inp.name))
                activations += 1
            } else {
                values[inp.name] = .weight(inp.dims, values: [], ints: [])
            }
        }
        guard activations > 0 else { throw ModelError("\(file): the model has no image input") }

        func fail(_ n: ONNXModel.Node, _ why: String) -> ModelError {
            ModelError("\(file): node '\(n.name.isEmpty ? n.outputs.first ?? n.opType : n.name)' (\(n.opType)): \(why)")
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
            func ints(_ k: String) -> [Int]? { n.attributes[k].map { $0.ints.map { Int($0) } } }
            func int(_ k: String, _ def: Int) -> Int { n.attributes[k]?.i.map { Int($0) } ?? def }
            let label = (n.name.isEmpty ? n.outputs.first ?? n.opType : n.name).replacingOccurrences(of: "/", with: ".")
                .trimmingCharacters(in: CharacterSet(charactersIn: "."))
            var out: Value
            switch n.opType {
            case "Identity", "Dropout":
                guard let v = values[n.inputs[0]] else { throw fail(n, "unknown input '\(n.inputs[0])'") }
                out = v
            case "Constant":
                let t = n.attributes["value"]?.tensor ?? ONNXModel.Tensor()
                let f = n.attributes["value_float"]?.f.map { [$0] } ?? t.floats
                out = .weight(t.dims, values: f, ints: n.attributes["value_ints"]?.ints ?? t.ints)
            case "Conv":
                let x = try act(0)
                let w = try weightDims(1)
                guard w.count == 4 else { throw fail(n, "only 2-D convolutions are supported (weight shape \(w))") }
                let k = ints("kernel_shape") ?? [w[2], w[3]]
                let s = ints("strides") ?? [1, 1], d = ints("dilations") ?? [1, 1]
                let p = ints("pads") ?? [0, 0, 0, 0]
                let g = int("group", 1)
                guard b.channels(x) == w[1] * g else { throw fail(n, "weight expects \(w[1] * g) input channels, got \(b.channels(x))") }
                out = .activation(b.conv(x, w[0], k: (k[0], k[1]), s: (s[0], s[1]), p: ((p[0] + p[2]) / 2, (p[1] + p[3]) / 2),
                                         d: (d[0], d[1]), groups: g, bias: n.inputs.count > 2 && !n.inputs[2].isEmpty, name: label))
            case "BatchNormalization": out = .activation(b.bn(try act(0), name: label))
            case "Relu": out = .activation(b.relu(try act(0), name: label))
            case "Clip": out = .activation(b.add(.relu6, inputs: [try act(0)], shape: b.shape(try act(0)), name: label))
            case "MaxPool", "AveragePool":
                let x = try act(0)
                guard b.shape(x).rank == 4 else { throw fail(n, "needs a 4-D input") }
                let k = ints("kernel_shape") ?? [1, 1], s = ints("strides") ?? [1, 1], p = ints("pads") ?? [0, 0, 0, 0]
                let ceil = int("ceil_mode", 0) == 1
                out = .activation(n.opType == "MaxPool" ? b.maxPool(x, k: k[0], s: s[0], p: p[0], ceil: ceil, name: label)
                                                         : b.avgPool(x, k: k[0], s: s[0], p: p[0], ceil: ceil, name: label))
            case "GlobalAveragePool": out = .activation(b.adaptiveAvgPool(try act(0)))
            case "Concat":
                let xs = try n.inputs.indices.map { try act($0) }
                guard int("axis", 1) == 1 else { throw fail(n, "only channel concatenation (axis 1) is supported") }
                out = .activation(xs.count == 1 ? xs[0] : b.concat(xs, name: label))
            case "Add", "Mul", "Sum":
                let xs = n.inputs.compactMap { name -> Int? in if case .activation(let id)? = values[name] { return id } else { return nil } }
                guard !xs.isEmpty else { throw fail(n, "needs at least one computed input") }
                out = .activation(b.sum(xs, name: label))
            case "Gemm", "MatMul":
                let x = try act(0)
                let w = try weightDims(1)
                guard w.count == 2 else { throw fail(n, "weight must be 2-D (got \(w))") }
                let outF = n.opType == "Gemm" && int("transB", 0) == 1 ? w[0] : w[1]
                let inF = b.shape(x).elements / b.shape(x).batch
                let expectIn = n.opType == "Gemm" && int("transB", 0) == 1 ? w[1] : w[0]
                guard inF == expectIn else { throw fail(n, "weight expects \(expectIn) input features, got \(inF)") }
                out = .activation(b.linear(x, outF, bias: n.inputs.count > 2, name: label))
            case "Flatten": out = .activation(b.flatten(try act(0)))
            case "Reshape":
                let x = try act(0)
                guard case .weight(_, _, let target)? = values[n.inputs[1]], target.count == 2 else {
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
