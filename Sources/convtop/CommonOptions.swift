import ArgumentParser
import ConvtopCore

/// Options shared by every command that simulates.
struct SimulationFlags: ParsableArguments {
    @Option(help: "GPU profile name or path to a profile JSON (see 'convtop gpus'); default h100, or a trace's own GPU.") var gpu: String?
    @Option(help: "For profiler traces: the model whose graph gives the ops' dependencies (default: detected).") var graph: String?
    @Option(parsing: .unconditional, help: "Batch size (default: an ONNX or graph file's own, else 1).") var batch: Int?
    @Option(help: "The forward pass only, or a training step (forward, backward, SGD update).") var mode = GraphMode.inference
    @Option(help: "The concurrency policy (see 'convtop compare' and the README).") var policy = PolicyKind.branch
    @Option(parsing: .unconditional, help: "Size of the stream pool.") var streams = 8
    @Option(help: "Framework launches (a host cost per kernel) or CUDA Graph replay.") var launch = LaunchMode.graph
    @Option(help: "tf32 is fp32 tensors with TF32 convolutions, PyTorch's default.") var precision = Precision.tf32
    @Option(parsing: .unconditional, help: "Hardware queues streams map onto in eager launches, CUDA_DEVICE_MAX_CONNECTIONS (default: the GPU's, 8); a CUDA Graph gives its branches queues of their own.") var connections: Int?
    @Option(help: "Optimizer kernels in training: multi-tensor (sgd-foreach) or one update per tensor (sgd).") var optimizer = OptimizerStyle.foreach
    @Option(help: "Seed for run-to-run variation.") var seed: UInt64 = 0
    @Flag(help: "IOS's operator merge: convolutions that read one tensor with the same kernel become one wider convolution.")
    var merge = false
    @Option(help: "Kernels from the GPU's measured kernel catalog where it has them, or from convtop's model alone.")
    var kernels = KernelSource.catalog
    @Option(help: "A process in which PyTorch's profiler has run (the host's graph launch grows with every node, as the GPU profiles were measured) or a clean one, as in deployment.")
    var process = ProcessState.profiled

    func scenario(model: String) throws -> Scenario {
        var s = Scenario()
        s.model = model
        s.gpu = gpu ?? (ModelLoader.isTrace(model) ? (try? ProfilerTrace.load(path: model))?.gpuProfile : nil) ?? "h100"
        s.structure = graph
        s.batch = try batch ?? ModelLoader.defaultBatch(model)
        s.streams = streams
        s.seed = seed
        s.connections = connections
        s.mode = mode
        s.policy = policy
        s.launch = launch
        s.precision = precision
        s.optimizer = optimizer
        s.mergeConvolutions = merge ? true : nil
        s.kernelSource = kernels == .model ? .model : nil
        s.process = process == .clean ? .clean : nil
        try s.validate()
        return s
    }
}
