import Foundation

/// Resolves a model argument: a built-in name (with optional parameters) or a graph file.
public enum ModelLoader {
    /// Builds the forward graph (and, in training mode, the full training step) at `batch`.
    public static func load(_ spec: String, batch: Int, mode: GraphMode, optimizer: OptimizerStyle = .foreach,
                            mergeConvolutions: Bool = false) throws -> Graph {
        let forward: Graph
        if isTrace(spec) {
            throw ConvtopError(.model, "\(spec) is a profiler trace: use it with simulate, compare, import or the dashboard")
        } else if isONNX(spec) {
            guard FileManager.default.fileExists(atPath: spec) else {
                throw ConvtopError(.model, "\(spec): no such file; give a model name (see 'convtop models') or an ONNX/graph file")
            }
            forward = try ONNXImporter.load(path: spec, batch: batch)
        } else if spec.hasSuffix(".json") || spec.contains("/") {
            guard FileManager.default.fileExists(atPath: spec) else {
                throw ConvtopError(.model, "\(spec): no such file; give a model name (see 'convtop models') or a graph file")
            }
            forward = try GraphFile.load(path: spec, batch: batch)
        } else {
            forward = try ModelZoo.build(spec, batch: batch)
        }
        let merged = mergeConvolutions ? OperatorMerge.apply(forward).graph : forward
        return mode == .training ? TrainingGraph.build(from: merged, optimizer: optimizer) : merged
    }

    /// An ONNX file (`.onnx`, or gzip-compressed `.onnx.gz`).
    public static func isONNX(_ spec: String) -> Bool {
        let l = spec.lowercased()
        return l.hasSuffix(".onnx") || l.hasSuffix(".onnx.gz")
    }

    /// The batch size a model runs at when none is given: an ONNX or graph file's own (a symbolic batch is 1),
    /// else 1.
    public static func defaultBatch(_ spec: String) throws -> Int {
        if isTrace(spec) { return 1 }
        if isONNX(spec) {
            guard FileManager.default.fileExists(atPath: spec) else { return 1 }
            return try ONNXImporter.exportedBatch(path: spec)
        }
        if spec.hasSuffix(".json") || spec.contains("/"), FileManager.default.fileExists(atPath: spec) {
            return try GraphFile.load(path: spec).batch
        }
        return 1
    }

    /// A PyTorch profiler trace, told apart from a graph file by its content.
    public static func isTrace(_ spec: String) -> Bool {
        let l = spec.lowercased()
        guard !isONNX(spec), l.hasSuffix(".json.gz") || l.hasSuffix(".json") || l.hasSuffix(".gz") else { return false }
        return FileManager.default.fileExists(atPath: spec) && ProfilerTrace.looksLikeTrace(path: spec)
    }

    /// The graph that gives a trace's op dependencies: the named model, else the built-in model whose ops line up
    /// with the trace's, else none (stream order).
    public static func structure(for t: ProfilerTrace, spec: String?, gpu: GPUSpec) throws -> Graph? {
        if let spec {
            let g = try load(spec, batch: 1, mode: .inference)
            guard ProfilerTrace.align(ops: t.ops, with: g, gpu: gpu) != nil else {
                throw ConvtopError(.model, "\(spec)'s ops do not line up with the trace's \(t.ops.count) ops; leave --graph out to use stream order")
            }
            return g
        }
        for name in ModelZoo.names {
            guard let g = try? ModelZoo.build(name, batch: 1) else { continue }
            if ProfilerTrace.align(ops: t.ops, with: g, gpu: gpu) != nil { return g }
        }
        return nil
    }
}
