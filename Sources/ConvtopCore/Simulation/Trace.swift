/// How the host submits kernels.
public enum LaunchMode: String, Sendable, Codable, CaseIterable {
    /// Framework-style launches: CPU time per kernel and per cross-stream event.
    case eager
    /// CUDA Graph replay: one launch for the whole iteration, a small device-side gap per kernel.
    case graph
}

/// Settings of one simulated iteration.
public struct SimulationOptions: Sendable, Hashable {
    public var launch: LaunchMode = .eager
    /// Hardware queues streams are mapped onto in eager launches (CUDA_DEVICE_MAX_CONNECTIONS); nil means the GPU's
    /// default (8). A CUDA Graph replay gives its branches up to the GPU's maximum whatever this says.
    public var connections: Int? = nil
    public var seed: UInt64 = 0
    public var iteration: Int = 0
    /// Relative run-to-run variation of kernel durations (±), drawn from `seed` and `iteration`.
    public var jitter: Double = 0.02
    /// Keep per-SM block-group records (the dashboard's SM bars and trace export need them).
    public var recordBlocks: Bool = true
    /// Sequential blocks are merged so that no kernel needs more than about this many waves of dispatch events.
    public var maxWaves: Int = 2
    /// A training step's backward nodes without kernels hand their gradients on behind their stream's queue, as
    /// PyTorch's autograd does (`AutogradEvents`); false hands them on at once (`convtop explain`'s what-if).
    public var autogradEvents: Bool = true
    public init() {}
}

/// One kernel as it ran in the simulation. Times in microseconds from the start of the iteration.
public struct KernelRecord: Sendable, Hashable {
    public var kernel: Int
    public var stream: Int
    /// When the host finished launching it.
    public var launched: Double
    /// When the hardware queue handed it to the front end.
    public var issued: Double
    /// When the front end finished launching it and it joined the block dispatcher's queue (issued plus the shared
    /// launch work, and any grid-launch interval).
    public var ready: Double = 0
    /// First block dispatched.
    public var start: Double
    public var end: Double
    public var blocks: Int
    /// Distinct SMs that ran at least one of its blocks.
    public var smsUsed: Int
    /// Share of its running time its blocks were stretched by DRAM contention with co-running kernels (0…1).
    public var dramStretch: Double = 0
    /// How much later it ended because some of its blocks shared an SM with another kernel's matrix product (µs,
    /// `GPUSpec.corunStretchUs`; 0 for kernels that never met one, and for products that met only memory-bound ones).
    public var corunStretch: Double = 0
}

/// A group of blocks of one kernel that ran together on one SM.
public struct BlockGroup: Sendable, Hashable {
    public var sm: Int32
    public var kernel: Int32
    public var blocks: Int32
    public var warps: Int32
    public var start: Double
    public var end: Double
}

/// One interval the host spends launching: a kernel launch in eager mode, or the one graph replay call.
public struct HostLaunch: Sendable, Hashable {
    /// The kernel launched; nil for a CUDA Graph replay, which launches every kernel at once.
    public var kernel: Int?
    public var start: Double
    public var end: Double
}

/// Everything one simulated iteration produced.
public struct Trace: Sendable {
    public var kernels: [KernelRecord]
    public var groups: [BlockGroup]
    /// Host launch intervals; in graph mode a single replay interval.
    public var hostLaunches: [HostLaunch]
    public var smBusy: [Double]
    public var iterationTime: Double
    public var totalBlocks: Int
    /// ∫ running kernels dt and ∫ [running > 0] dt.
    public var runningIntegral: Double
    public var activeTime: Double
    public var peakConcurrentKernels: Int
    public var hostBoundTime: Double
    public var events: Int
    /// Highest memory traffic delivered at any instant, as a fraction of the chip's tightest limit: the most
    /// bandwidth any kernel class can draw or the L2's sustained rate for all traffic, DRAM's sustained rate for
    /// the traffic that misses the L2 (the conservation invariant: at most 1 within the re-pricing tolerance).
    public var peakDRAMUse: Double = 0
}

