import Foundation

/// Reads networks described in convtop's JSON graph format (see README, "Graph files").
///
/// ```json
/// { "format": "convtop-graph", "version": 1, "name": "tiny",
///   "inputs": [{ "name": "x", "shape": [1, 3, 32, 32] }],
///   "nodes": [{ "name": "c1", "op": "conv", "inputs": ["x"], "out_channels": 16, "kernel": 3, "padding": 1 }] }
/// ```
public enum GraphFile {
    /// Every op name the format accepts.
    public static let ops = ["conv", "batchnorm", "relu", "relu6", "maxpool", "avgpool", "adaptive_avgpool", "concat",
                             "add", "linear", "dropout", "flatten"] + tensorOps

    /// Loads and validates a graph file; the batch size in the input shapes is replaced by `batch` when given.
    public static func load(path: String, batch: Int? = nil) throws -> Graph {
        let file = (path as NSString).lastPathComponent
        let data = try InputFile.read(path, what: "graph file")
        return try parse(data: data, file: file, batch: batch)
    }

    public static func parse(data: Data, file: String, batch: Int? = nil) throws -> Graph {
        // Names come from the file: control characters are escaped so each message stays one printable line.
        func fail(_ what: String) -> ConvtopError { ConvtopError(.model, SafeText.printable("\(file): \(what)")) }
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data) } catch {
            throw fail("not valid JSON (\(jsonErrorSummary(error)))")
        }
        guard let obj = root as? [String: Any] else { throw fail("the top level must be a JSON object") }
        if let f = obj["format"], (f as? String) != "convtop-graph" {
            throw fail("field 'format' must be \"convtop-graph\"")
        }
        if let v = obj["version"] {
            guard let n = v as? Int, n == 1 else { throw fail("field 'version' must be 1 (this convtop reads version 1)") }
        }
        let name = (obj["name"] as? String) ?? (file as NSString).deletingPathExtension
        guard let inputs = obj["inputs"] as? [[String: Any]], !inputs.isEmpty else {
            throw fail("field 'inputs' must be a non-empty array of {\"name\", \"shape\"} objects")
        }
        guard let rawNodes = obj["nodes"] as? [[String: Any]], !rawNodes.isEmpty else {
            throw fail("field 'nodes' must be a non-empty array of node objects")
        }
        if let b = batch, b < 1 { throw fail("batch size must be at least 1") }

        var b = GraphBuilder(name: name)
        var ids = try addInputs(&b, inputs, batch: batch, fail: fail)
        let order = try nodeOrder(rawNodes, inputs: ids, fail: fail)
        for i in order {
            let n = rawNodes[i]
            let nm = n["name"] as! String
            let ins = (n["inputs"] as! [String]).map { ids[$0] ?? -1 }
            let id = try addNode(&b, n, name: nm, inputs: ins, fail: { fail("node '\(nm)': \($0)") })
            ids[nm] = id
        }
        return b.build()
    }

    /// The graph inputs, batch replaced by `batch` when given; their ids by name.
    private static func addInputs(_ b: inout GraphBuilder, _ inputs: [[String: Any]], batch: Int?,
                                  fail: (String) -> ConvtopError) throws -> [String: Int] {
        var ids: [String: Int] = [:]
        for (i, inp) in inputs.enumerated() {
            guard let n = inp["name"] as? String, !n.isEmpty else { throw fail("inputs[\(i)]: field 'name' must be a non-empty string") }
            guard var shape = inp["shape"] as? [Int], (1...6).contains(shape.count), shape.allSatisfy({ $0 > 0 }) else {
                throw fail("input '\(n)': field 'shape' must be 1 to 6 positive integers, batch first (N, C, H, W for images)")
            }
            if let batch { shape[0] = batch }
            guard InputLimits.checkedElements(shape) != nil else {
                throw fail("input '\(n)': field 'shape' is too large (each dimension at most \(InputLimits.dimension), at most \(InputLimits.elements) elements)")
            }
            guard ids[n] == nil else { throw fail("input '\(n)': the name is used twice") }
            ids[n] = b.input(shape, name: n)
        }
        return ids
    }

    /// An order of the nodes in which every input is defined before use (files may list them in any order).
    private static func nodeOrder(_ rawNodes: [[String: Any]], inputs ids: [String: Int],
                                  fail: (String) -> ConvtopError) throws -> [Int] {
        var byName: [String: Int] = [:]
        for (i, n) in rawNodes.enumerated() {
            guard let nm = n["name"] as? String, !nm.isEmpty else { throw fail("nodes[\(i)]: field 'name' must be a non-empty string") }
            guard byName[nm] == nil, ids[nm] == nil else { throw fail("node '\(nm)': the name is used twice") }
            byName[nm] = i
        }
        var preds: [[Int]] = []
        for n in rawNodes {
            let nm = n["name"] as! String
            guard let ins = n["inputs"] as? [String], !ins.isEmpty else {
                throw fail("node '\(nm)': field 'inputs' must be a non-empty array of node names")
            }
            var p: [Int] = []
            for s in ins {
                if ids[s] != nil { continue }
                guard let j = byName[s] else { throw fail("node '\(nm)': input '\(s)' is not an input or a node of this graph") }
                p.append(j)
            }
            preds.append(p)
        }
        do { return try DAG(predecessors: preds).order } catch {
            if let k = (error as? ConvtopError)?.node, rawNodes.indices.contains(k) {
                throw fail("node '\(rawNodes[k]["name"] as! String)' is part of a cycle; a graph must be acyclic")
            }
            throw fail((error as? ConvtopError)?.message ?? "\(error)")
        }
    }

    private static func addNode(_ b: inout GraphBuilder, _ n: [String: Any], name: String, inputs ins: [Int],
                                fail: (String) -> ConvtopError) throws -> Int {
        guard let op = n["op"] as? String else { throw fail("field 'op' is missing (one of: \(ops.joined(separator: ", ")))") }
        // Upper bounds keep every product of these fields far from overflow (InputLimits).
        func maximum(_ key: String) -> Int {
            switch key {
            case "kernel", "stride", "dilation": return InputLimits.window
            case "padding": return InputLimits.padding
            default: return InputLimits.dimension
            }
        }
        func int(_ key: String, _ def: Int? = nil, min: Int = 1) throws -> Int {
            guard let v = n[key] else {
                if let def { return def }
                throw fail("field '\(key)' is required for op '\(op)'")
            }
            guard let i = v as? Int, i >= min, i <= maximum(key) else {
                throw fail("field '\(key)' must be an integer from \(min) to \(maximum(key))")
            }
            return i
        }
        func pair(_ key: String, _ def: Int, min: Int) throws -> (Int, Int) {
            guard let v = n[key] else { return (def, def) }
            let top = maximum(key)
            if let i = v as? Int, i >= min, i <= top { return (i, i) }
            if let a = v as? [Int], a.count == 2, a.allSatisfy({ $0 >= min && $0 <= top }) { return (a[0], a[1]) }
            throw fail("field '\(key)' must be an integer from \(min) to \(top) or a pair of them")
        }
        func checked(_ shape: [Int], macs: Double = 0) throws {
            guard InputLimits.checkedElements(shape) != nil else {
                throw fail("the output (\(shape.map(String.init).joined(separator: "×"))) is too large (at most \(InputLimits.elements) elements)")
            }
            guard macs <= InputLimits.macs else { throw fail("the op needs more than 2^53 multiply-accumulates") }
        }
        func one() throws -> Int {
            guard ins.count == 1 else { throw fail("op '\(op)' takes exactly one input (got \(ins.count))") }
            return ins[0]
        }
        func spatial(_ x: Int) throws {
            guard b.shape(x).rank == 4 else { throw fail("op '\(op)' needs a 4-D (N, C, H, W) input, got \(b.shape(x))") }
        }
        switch op {
        case "conv":
            let x = try one(); try spatial(x)
            let out = try int("out_channels")
            let k = try pair("kernel", 0, min: 1)
            guard k.0 > 0 else { throw fail("field 'kernel' is required for op 'conv'") }
            let s = try pair("stride", 1, min: 1), p = try pair("padding", 0, min: 0), d = try pair("dilation", 1, min: 1)
            let g = try int("groups", 1)
            let cin = b.channels(x)
            guard cin % g == 0, out % g == 0 else {
                throw fail("groups (\(g)) must divide both input channels (\(cin)) and out_channels (\(out))")
            }
            let bias = (n["bias"] as? Bool) ?? false
            let i = b.shape(x)
            let oh = GraphBuilder.convolvedSize(i.height, k: k.0, s: s.0, p: p.0, d: d.0)
            let ow = GraphBuilder.convolvedSize(i.width, k: k.1, s: s.1, p: p.1, d: d.1)
            guard oh > 0, ow > 0 else { throw fail("the kernel is larger than the padded \(i.height)×\(i.width) input") }
            try checked([i.batch, out, oh, ow], macs: Double(i.batch) * Double(out) * Double(oh) * Double(ow) * Double(cin / g) * Double(k.0 * k.1))
            return b.conv(x, out, k: k, s: s, p: p, d: d, groups: g, bias: bias, name: name)
        case "batchnorm": let x = try one(); return b.bn(x, name: name)
        case "relu": let x = try one(); return b.relu(x, name: name)
        case "relu6": let x = try one(); return b.add(.relu6, inputs: [x], shape: b.shape(x), name: name)
        case "dropout": let x = try one(); return b.add(.dropout, inputs: [x], shape: b.shape(x), name: name)
        case "flatten": let x = try one(); return b.add(.flatten, inputs: [x], shape: TensorShape([b.shape(x).batch, b.shape(x).elements / b.shape(x).batch]), name: name)
        case "maxpool", "avgpool":
            let x = try one(); try spatial(x)
            let k = try int("kernel"), s = try int("stride", k), p = try int("padding", 0, min: 0)
            guard p * 2 <= k else { throw fail("padding (\(p)) must be at most half the kernel (\(k))") }
            let ceil = (n["ceil_mode"] as? Bool) ?? false
            guard GraphBuilder.pooledSize(b.shape(x).height, PoolAttributes(kernel: k, stride: s, padding: p, ceilMode: ceil)) > 0 else {
                throw fail("the pooling window is larger than the input")
            }
            return op == "maxpool" ? b.maxPool(x, k: k, s: s, p: p, ceil: ceil, name: name)
                : b.avgPool(x, k: k, s: s, p: p, ceil: ceil, name: name)
        case "adaptive_avgpool":
            let x = try one(); try spatial(x)
            let o = try int("output_size", 1)
            try checked([b.shape(x).batch, b.channels(x), o, o])
            return b.add(.adaptiveAvgPool, inputs: [x], shape: TensorShape([b.shape(x).batch, b.channels(x), o, o]), name: name)
        case "concat":
            guard ins.count >= 2 else { throw fail("op 'concat' needs at least two inputs") }
            let s0 = b.shape(ins[0])
            for i in ins where b.shape(i).rank != s0.rank || b.shape(i).batch != s0.batch || b.shape(i).height != s0.height || b.shape(i).width != s0.width {
                throw fail("concat inputs must agree in every dimension but channels (\(s0) vs \(b.shape(i)))")
            }
            try checked([s0.batch, ins.reduce(0) { $0 + min(b.channels($1), InputLimits.dimension) }] + Array(s0.dims.dropFirst(2)))
            return b.concat(ins, name: name)
        case "add":
            guard ins.count >= 2 else { throw fail("op 'add' needs at least two inputs") }
            if ins.count == 2, b.shape(ins[0]) != b.shape(ins[1]), let out = ONNXFold.broadcast(b.shape(ins[0]).dims, b.shape(ins[1]).dims) {
                return b.add(.binary(.add), inputs: ins, shape: TensorShape(out), name: name)
            }
            for i in ins where b.shape(i) != b.shape(ins[0]) {
                throw fail("add inputs must have the same shape or broadcast (\(b.shape(ins[0])) vs \(b.shape(i)))")
            }
            return b.sum(ins, name: name)
        case "linear":
            let x = try one()
            let features = try int("out_features")
            let d = b.shape(x).dims
            if d.count == 3 {
                // N×S×D tokens: a linear layer over the last axis, as nn.Linear applies it.
                try checked([d[0], d[1], features], macs: Double(d[0] * d[1]) * Double(features) * Double(d[2]))
                let bias = (n["bias"] as? Bool) ?? true
                return b.add(.linear(inFeatures: d[2], outFeatures: features, bias: bias), inputs: [x],
                             shape: TensorShape([d[0], d[1], features]), name: name, macs: d[0] * d[1] * d[2] * features)
            }
            let inFeatures = b.shape(x).elements / max(b.shape(x).batch, 1)
            try checked([b.shape(x).batch, features], macs: Double(b.shape(x).batch) * Double(features) * Double(inFeatures))
            return b.linear(x, features, bias: (n["bias"] as? Bool) ?? true, name: name)
        default:
            if let id = try addTensorOp(&b, n, op: op, name: name, inputs: ins, fail: fail) { return id }
            throw fail("unknown op '\(op)' (supported: \(ops.joined(separator: ", ")))")
        }
    }

    private static func jsonErrorSummary(_ error: Error) -> String {
        let ns = error as NSError
        if let d = ns.userInfo["NSDebugDescription"] as? String { return d }
        return ns.localizedDescription
    }
}
