import ArgumentParser
import ConvtopCore

/// Options shared by every command that simulates.
struct SimulationFlags: ParsableArguments {
    @Option(help: "GPU profile name or path to a profile JSON (see 'convtop gpus'); default h100, or a trace's own GPU.") var gpu: String?
    @Option(help: "For profiler traces: the model whose graph gives the ops' dependencies (default: detected).") var graph: String?
    @Option(parsing: .unconditional, help: "Batch size (default: an ONNX or graph file's own, else 1).") var batch: Int?
    @Option(help: "inference (forward pass) or training (forward + backward + SGD update).") var mode = "inference"
    @Option(help: "serial, round-robin, branch, nimble, critical-path or resource-aware.") var policy = "branch"
    @Option(parsing: .unconditional, help: "Size of the stream pool.") var streams = 8
    @Option(help: "eager (framework launches, host cost per kernel) or graph (CUDA Graph replay).") var launch = "graph"
    @Option(help: "fp32, tf32 (fp32 tensors, TF32 convolutions, PyTorch's default), fp16 or bf16.") var precision = "tf32"
    @Option(parsing: .unconditional, help: "Hardware queues streams map onto (default: the GPU's, 8).") var connections: Int?
    @Option(help: "Optimizer kernels in training: sgd-foreach (default) or sgd (one update per tensor).") var optimizer = "sgd-foreach"
    @Option(help: "Seed for run-to-run variation.") var seed: UInt64 = 0

    func scenario(model: String) throws -> Scenario {
        var s = Scenario()
        s.model = model
        s.gpu = gpu ?? (ModelLoader.isTrace(model) ? (try? ProfilerTrace.load(path: model))?.gpuProfile : nil) ?? "h100"
        s.structure = graph
        s.batch = try batch ?? ModelLoader.defaultBatch(model)
        s.streams = streams
        s.seed = seed
        s.connections = connections
        s.mode = try parseChoice(mode, "mode", GraphMode.self)
        s.policy = try PolicyKind.parse(policy)
        s.launch = try parseChoice(launch, "launch", LaunchMode.self)
        s.precision = try parseChoice(precision, "precision", Precision.self)
        s.optimizer = try parseChoice(optimizer, "optimizer", OptimizerStyle.self)
        try s.validate()
        return s
    }
}

func parseChoice<T: RawRepresentable & CaseIterable>(_ value: String, _ name: String, _: T.Type) throws -> T where T.RawValue == String {
    if let v = T(rawValue: value.lowercased()) { return v }
    throw ConvtopError(.usage, "unknown \(name) '\(value)'; valid: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
}
