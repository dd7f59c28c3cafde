import ArgumentParser
import ConvtopCore
import Foundation

/// `convtop import TRACE`: what a PyTorch profiler trace holds, and what multi-streaming would gain on that run.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import",
        abstract: "Summarise a PyTorch profiler trace (.json or .json.gz) and re-simulate it under every policy.")
    @Argument(help: "A torch.profiler trace (Chrome/Kineto JSON, optionally gzipped).") var file: String
    @Option(help: "GPU profile (default: the trace's device).") var gpu: String?
    @Option(help: "Model whose graph gives the ops' dependencies (default: detected).") var graph: String?
    @Option(help: "Stream pool for the multi-stream policies.") var streams = 8
    @Flag(help: "Print JSON.") var json = false

    struct Out: Encodable {
        var file: String, device: String?, gpu: String, kernels: Int, streams: [Int], ops: Int, structure: String
        var traceKernelUs: Double, traceSpanUs: Double, simulatedSerialKernelUs: Double, kernelTimeError: Double
        var policies: [String: Double], speedups: [String: Double]
        enum CodingKeys: String, CodingKey {
            case file, device, gpu, kernels, streams, ops, structure, traceKernelUs = "trace_kernel_us", traceSpanUs = "trace_span_us"
            case simulatedSerialKernelUs = "simulated_serial_kernel_us", kernelTimeError = "kernel_time_error"
            case policies = "iteration_ms", speedups = "speedup_vs_serial"
        }
    }

    func run() throws {
        if let problem = InputFile.problem(file) { throw ConvtopError(.usage, "\(file): \(problem)") }
        guard ModelLoader.isTrace(file) else { throw ConvtopError(.usage, "\(file) is not a PyTorch profiler trace (no traceEvents)") }
        var s = Scenario()
        s.model = file; s.streams = streams; s.structure = graph; s.launch = .graph
        let t = try ProfilerTrace.load(path: file)
        s.gpu = gpu ?? t.gpuProfile ?? "h100"
        let w = try Workload(s)
        let (_, serial) = try w.simulate(.serial, recordBlocks: false)
        // The profiler times a kernel from when the GPU takes it to its end: issue to end here.
        let simKernel = serial.kernels.reduce(0) { $0 + $1.end - $1.issued }
        var times: [String: Double] = [:], speed: [String: Double] = [:]
        for p in PolicyKind.allCases {
            let r = try w.simulate(p, recordBlocks: false).1
            times[p.rawValue] = r.iterationTime / 1000
            speed[p.rawValue] = serial.iterationTime / r.iterationTime
        }
        let o = Out(file: file, device: t.deviceName, gpu: w.gpu.name, kernels: t.kernels.count, streams: t.streams, ops: t.ops.count,
                    structure: w.structureSource ?? "", traceKernelUs: t.kernelTimeUs, traceSpanUs: t.spanUs,
                    simulatedSerialKernelUs: simKernel, kernelTimeError: simKernel / t.kernelTimeUs - 1, policies: times, speedups: speed)
        if json { try printJSON(o); return }
        print("\(file): \(o.kernels) kernels in \(o.ops) ops on \(o.streams.count) stream(s) of \(o.device ?? "an unnamed GPU") (simulated as \(o.gpu))")
        print("dependencies from \(o.structure)")
        printTable(["property", "value"], [
            ["kernel time in the trace", fmt(o.traceKernelUs / 1000) + " ms"],
            ["trace span (first kernel to last)", fmt(o.traceSpanUs / 1000) + " ms"],
            ["re-simulated serial kernel time", fmt(o.simulatedSerialKernelUs / 1000) + " ms (" + String(format: "%+.1f%%", o.kernelTimeError * 100) + ")"],
        ])
        print("\nWhat multi-streaming would gain on this run (CUDA Graph launch, \(streams) streams):")
        printTable(["policy", "iteration ms", "speedup"], PolicyKind.allCases.map { [$0.rawValue, fmt(times[$0.rawValue]!), fmt(speed[$0.rawValue]!, 2) + "×"] })
    }
}
