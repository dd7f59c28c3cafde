import Foundation

/// Resolves a model argument: a built-in name (with optional parameters) or a graph file.
public enum ModelLoader {
    /// Builds the forward graph (and, in training mode, the full training step) at `batch`.
    public static func load(_ spec: String, batch: Int, mode: GraphMode, optimizer: OptimizerStyle = .foreach) throws -> Graph {
        let forward: Graph
        if spec.lowercased().hasSuffix(".onnx") {
            guard FileManager.default.fileExists(atPath: spec) else {
                throw ModelError("\(spec): no such file; give a model name (see 'convtop models') or an ONNX/graph file")
            }
            forward = try ONNXImporter.load(path: spec, batch: batch)
        } else if spec.hasSuffix(".json") || spec.contains("/") {
            guard FileManager.default.fileExists(atPath: spec) else {
                throw ModelError("\(spec): no such file; give a model name (see 'convtop models') or a graph file")
            }
            forward = try GraphFile.load(path: spec, batch: batch)
        } else {
            forward = try ModelZoo.build(spec, batch: batch)
        }
        return mode == .training ? TrainingGraph.build(from: forward, optimizer: optimizer) : forward
    }
}
