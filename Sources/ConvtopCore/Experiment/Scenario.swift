import Foundation

/// Every input of a simulation: what the CLI flags and the dashboard's keys set.
public struct Scenario: Sendable, Hashable, Codable {
    public var model: String = "resnet50"
    public var gpu: String = "h100"
    public var batch: Int = 1
    public var mode: GraphMode = .inference
    public var policy: PolicyKind = .branch
    public var streams: Int = 8
    public var launch: LaunchMode = .graph
    public var precision: Precision = .tf32
    public var optimizer: OptimizerStyle = .foreach
    public var connections: Int? = nil
    public var seed: UInt64 = 0
    /// For profiler traces: the model whose graph gives the ops' dependencies (nil: detect it, else stream order).
    public var structure: String? = nil
    /// IOS's operator merge applied to the graph before lowering (nil, as in older recordings: off).
    public var mergeConvolutions: Bool? = nil
    /// Kernels from the GPU's kernel catalog where it has them (nil, as in older recordings: the catalog) or from
    /// convtop's model alone.
    public var kernelSource: KernelSource? = nil
    /// The measuring process the GPU profile is read for (nil, as in older recordings: the profile's own, profiled).
    public var process: ProcessState? = nil
    public init() {}

    /// ", clean process" where the scenario asks for a process that never profiled, for the commands' headers.
    public var processNote: String { process == .clean ? ", clean process" : "" }

    /// The largest batch and stream pool accepted anywhere (flags, dashboard keys).
    public static let maxBatch = 4096
    public static let maxStreams = 128

    /// Checks the numbers a user typed.
    public func validate() throws {
        guard batch >= 1 else { throw ConvtopError(.model, "batch size must be at least 1 (got \(batch))") }
        guard batch <= Self.maxBatch else { throw ConvtopError(.model, "batch size \(batch) is too large (at most \(Self.maxBatch))") }
        guard streams >= 1 else { throw ConvtopError(.model, "streams must be at least 1 (got \(streams))") }
        guard streams <= Self.maxStreams else { throw ConvtopError(.model, "streams must be at most \(Self.maxStreams) (got \(streams))") }
        if let c = connections, c < 1 || c > 128 { throw ConvtopError(.model, "connections must be between 1 and 128 (got \(c))") }
    }
}

/// Whether PyTorch's profiler has run in the process whose replays are simulated: once it has, a CUDA Graph replay's
/// host call grows with every node and the device waits for it up to the graph's first memset node
/// (`GPUSpec.graphStartPerKernelUs`); in a process that never profiled, as in deployment, it does not.
public enum ProcessState: String, Sendable, Hashable, Codable, CaseIterable {
    case profiled, clean
}

/// Per-iteration results, the numbers every view shows.
public struct IterationMetrics: Sendable, Hashable, Codable {
    public var iterationMs: Double
    public var serialMs: Double
    public var speedupVsSerial: Double
    public var criticalPathMs: Double
    public var smUtilization: Double
    public var perSMUtilization: [Double]
    /// Mean number of kernels running while at least one runs.
    public var achievedConcurrency: Double
    public var peakConcurrentKernels: Int
    public var hostBoundMs: Double
    public var kernels: Int
    public var blocks: Int
    public var streamsUsed: Int

    enum CodingKeys: String, CodingKey {
        case iterationMs = "iteration_ms", serialMs = "serial_ms", speedupVsSerial = "speedup_vs_serial"
        case criticalPathMs = "critical_path_ms", smUtilization = "sm_utilization", perSMUtilization = "per_sm_utilization"
        case achievedConcurrency = "achieved_concurrency", peakConcurrentKernels = "peak_concurrent_kernels"
        case hostBoundMs = "host_bound_ms", kernels, blocks, streamsUsed = "streams_used"
    }
}
