import Foundation

/// Achieved fraction of peak per kernel class: the calibrated part of the timing model.
public struct KernelEfficiency: Sendable, Codable, Hashable {
    /// Tensor-core GEMM/implicit-GEMM kernels, fraction of tensor peak.
    public var tensorGemm: Double
    /// CUDA-core GEMM/convolution kernels, fraction of FP32 peak.
    public var cudaCore: Double
    /// Fraction of DRAM bandwidth reached by streaming kernels.
    public var memory: Double
    /// Reductions (batch norm statistics, pooling to 1×1), fraction of DRAM bandwidth.
    public var reduction: Double
    /// Layout transforms (NCHW↔NHWC), fraction of DRAM bandwidth.
    public var layout: Double
    /// cuBLAS FP32 matrix products on CUDA cores, fraction of FP32 peak (absent: as `cudaCore`).
    public var simtGemm: Double?

    enum CodingKeys: String, CodingKey {
        case tensorGemm = "tensor_gemm", cudaCore = "cuda_core", memory, reduction, layout, simtGemm = "simt_gemm"
    }
}

/// A GPU: its SM limits, allocation granularity, clocks, peak rates, memory system, queues and launch latencies.
/// Decoded from `Assets/gpus/NAME.json`.
public struct GPUSpec: Sendable, Codable, Hashable {
    public var name: String
    public var fullName: String
    public var computeCapability: String
    public var smCount: Int
    public var maxThreadsPerSM: Int
    public var maxWarpsPerSM: Int
    public var maxBlocksPerSM: Int
    public var registersPerSM: Int
    public var maxRegistersPerThread: Int
    public var sharedMemoryPerSM: Int
    public var maxSharedMemoryPerBlock: Int
    public var reservedSharedMemoryPerBlock: Int
    public var registerAllocationUnit: Int
    public var sharedMemoryAllocationUnit: Int
    public var l2Bytes: Int
    public var boostClockMHz: Int
    public var fp32TFLOPS: Double
    /// Dense tensor-core rates; 0 where the chip has no such mode (TF32 before Ampere).
    public var tf32TFLOPS: Double
    public var fp16TFLOPS: Double
    public var bf16TFLOPS: Double
    public var dramBandwidthGBs: Double
    /// Hardware work queues (CUDA_DEVICE_MAX_CONNECTIONS default and maximum).
    public var defaultConnections: Int
    public var maxConnections: Int
    public var maxResidentGrids: Int
    /// Host CPU time per kernel launch in eager mode (framework + driver), microseconds.
    public var hostLaunchEagerUs: Double
    /// Host CPU time per cross-stream event record/wait pair in eager mode, microseconds.
    public var hostEventUs: Double
    /// The shortest CUDA Graph replay, however few its kernels (µs, timed with CUDA events from an idle GPU): a
    /// replay ends no earlier than this after its call.
    public var graphLaunchUs: Double
    /// What each parallel branch of a graph beyond the first adds to that shortest replay (µs): the driver's launch of
    /// a graph costs more host time per stream its kernels run on, while the device's own time does not change
    /// (`Assets/calibration/graph_branch_cost.py`). Optional in profile files (absent: 0).
    public var graphLaunchPerBranchUs: Double?
    /// How long after the replay call the device starts the graph's first kernels (µs): the host's call and the
    /// device's start-up. A replay takes max(`graphLaunchUs`, this + the kernels). Optional in profile files (absent:
    /// `graphLaunchUs`).
    public var graphStartUs: Double?
    /// The host's call per graph node in a process that has run PyTorch's profiler (µs): the device waits for it up
    /// to the graph's first memset node. Optional in profile files (absent: 0, a process that never profiled;
    /// `inCleanProcess`).
    public var graphStartPerKernelUs: Double?
    /// Device-side gap between dependent kernels, eager and graph replay, microseconds.
    public var kernelGapEagerUs: Double
    public var kernelGapGraphUs: Double
    /// Fixed per-kernel latency (block launch ramp and completion), microseconds.
    public var kernelLatencyUs: Double
    /// How many times its fair share of DRAM bandwidth one SM can draw.
    public var smBandwidthBurst: Double
    /// Warps per SM a memory-bound kernel needs to reach full throughput (below it, an SM runs proportionally slower).
    public var saturationWarps: Int
    /// Warps per SM that saturate the tensor cores / FMA pipes for GEMM-like kernels (one per SM sub-partition).
    public var gemmSaturationWarps: Int
    /// Fixed cost of each thread block of a memory-bound kernel (launch, index setup), microseconds.
    public var blockOverheadUs: Double
    /// Fixed cost of each thread block of a GEMM-like kernel (pipeline prologue and epilogue), microseconds.
    public var gemmBlockOverheadUs: Double
    /// Fixed cost of each thread block of a layout transform (a tile through shared memory), microseconds.
    public var layoutBlockOverheadUs: Double
    /// The front end starts at most one new grid per this interval, across all streams, microseconds.
    public var gridLaunchIntervalUs: Double
    /// Bandwidth multiplier for kernels whose working set fits in half the L2 cache.
    public var l2BandwidthBoost: Double
    /// DRAM bandwidth one resident warp can sustain (GB/s): bytes in flight per warp over memory latency (Little's
    /// law). It caps kernels with few warps per SM, such as batch-norm training kernels with one block per channel.
    /// Optional in profile files; `warpBandwidth` supplies the default.
    public var warpBandwidthGBs: Double?
    /// In CUDA Graph replay, the gaps into and out of a memset node (cuDNN zeroes split-K outputs with one), in place
    /// of `kernelGapGraphUs`. Optional in profile files (absent: the ordinary graph gap).
    public var memsetGapInGraphUs: Double?, memsetGapOutGraphUs: Double?
    /// Memory traffic the whole chip sustains (GB/s), every running kernel together: through the L2 for all
    /// traffic, and from DRAM for the traffic of kernels whose inputs were evicted (more bytes touched since their
    /// latest producer started than the L2 holds). Absent: no chip-wide limit beyond each kernel class's bandwidth.
    public var l2SustainedGBs: Double?, dramSustainedGBs: Double?
    /// Launch work per grid that the front end shares among the grids launching together (µs, processor-shared):
    /// the slope of a dependent step's time against the chains in flight. At most half the kernel latency, the
    /// part before a grid's first block; the rest of that half is a fixed delay. Absent: the whole half.
    public var launchWorkUs: Double?
    /// How long after a grid's launch its hardware queue keeps a share of the front end while its next kernel waits
    /// for that grid (µs): chains of tiny kernels then pay the launch work once per chain in flight, in step or not,
    /// while a queue behind a long kernel stops taking a share. Absent or 0: only grids in launch share it.
    public var queuePollUs: Double?
    /// How much later a kernel ends when some of its blocks shared an SM with blocks of another kernel's matrix
    /// product (µs): a memory-bound kernel's few round trips, or a product's tiles, queue behind that product's
    /// traffic through the SM, beyond the issue slots the warp counts share. Products beside memory-bound kernels
    /// only are not stretched. Absent or 0: co-resident blocks cost only their share of the SM.
    public var corunStretchUs: Double?
    /// The splits of an SM's on-chip memory into shared memory that the GPU offers (KB, ascending; the CUDA programming
    /// guide lists them per compute capability). A kernel runs with the smallest split that holds as many of its
    /// blocks as fit on an SM, and an SM holding blocks of one split takes a block of a kernel that needs a larger one
    /// only once it has drained (round 28, `Assets/calibration/measure_smem_config.py`). Absent: every kernel runs
    /// with the whole shared memory and blocks of any kernels share an SM as their resources allow.
    public var sharedMemoryCarveoutsKB: [Int]?
    /// Where the timing fields come from: "measured" (fitted on this GPU's own measurements) or "derived from NAME"
    /// (fitted on NAME and carried over, scaled by this GPU's own peaks, bandwidth and limits). Absent: unknown.
    public var calibration: String?
    public var efficiency: KernelEfficiency
    /// The folder a `convtop calibrate` profile was loaded from (its kernel catalog lies beside it); not in the JSON.
    public var catalogDirectory: String? = nil

    enum CodingKeys: String, CodingKey {
        case name, fullName = "full_name", computeCapability = "compute_capability", smCount = "sm_count"
        case maxThreadsPerSM = "max_threads_per_sm", maxWarpsPerSM = "max_warps_per_sm", maxBlocksPerSM = "max_blocks_per_sm"
        case registersPerSM = "registers_per_sm", maxRegistersPerThread = "max_registers_per_thread"
        case sharedMemoryPerSM = "shared_memory_per_sm", maxSharedMemoryPerBlock = "max_shared_memory_per_block"
        case reservedSharedMemoryPerBlock = "reserved_shared_memory_per_block"
        case registerAllocationUnit = "register_allocation_unit", sharedMemoryAllocationUnit = "shared_memory_allocation_unit"
        case l2Bytes = "l2_bytes", boostClockMHz = "boost_clock_mhz", fp32TFLOPS = "fp32_tflops", tf32TFLOPS = "tf32_tflops"
        case fp16TFLOPS = "fp16_tflops", bf16TFLOPS = "bf16_tflops", dramBandwidthGBs = "dram_bandwidth_gbs"
        case defaultConnections = "default_connections", maxConnections = "max_connections"
        case maxResidentGrids = "max_resident_grids", hostLaunchEagerUs = "host_launch_eager_us"
        case hostEventUs = "host_event_us", graphLaunchUs = "graph_launch_us", graphLaunchPerBranchUs = "graph_launch_per_branch_us"
        case kernelGapEagerUs = "kernel_gap_eager_us"
        case kernelGapGraphUs = "kernel_gap_graph_us", kernelLatencyUs = "kernel_latency_us"
        case smBandwidthBurst = "sm_bandwidth_burst", saturationWarps = "saturation_warps", efficiency
        case gemmSaturationWarps = "gemm_saturation_warps", blockOverheadUs = "block_overhead_us"
        case l2BandwidthBoost = "l2_bandwidth_boost", gemmBlockOverheadUs = "gemm_block_overhead_us"
        case gridLaunchIntervalUs = "grid_launch_interval_us", layoutBlockOverheadUs = "layout_block_overhead_us"
        case warpBandwidthGBs = "warp_bandwidth_gbs", calibration
        case memsetGapInGraphUs = "memset_gap_in_graph_us", memsetGapOutGraphUs = "memset_gap_out_graph_us"
        case launchWorkUs = "launch_work_us", queuePollUs = "queue_poll_us", graphStartUs = "graph_start_us"
        case graphStartPerKernelUs = "graph_start_per_kernel_us", corunStretchUs = "corun_stretch_us"
        case l2SustainedGBs = "l2_sustained_gbs", dramSustainedGBs = "dram_sustained_gbs"
        case sharedMemoryCarveoutsKB = "shared_memory_carveouts_kb"
    }

    /// Per-warp DRAM bandwidth in bytes/s. Default 1.25 GB/s: a 16-warp batch-norm training block streamed
    /// 20 GB/s on the H200 (Assets/calibration/round2/sweeps.jsonl, bn_fw_tr at 64 channels).
    public var warpBandwidth: Double { (warpBandwidthGBs ?? 1.25) * 1e9 }

    /// The shortest replay of a graph whose kernels run on `branches` streams (µs).
    public func graphFloorUs(branches: Int) -> Double { graphLaunchUs + (graphLaunchPerBranchUs ?? 0) * Double(max(branches - 1, 0)) }

    /// When a replay's kernels reach the device (µs after the replay call): `graphStartUs`, else `graphLaunchUs`.
    public var graphDeviceStartUs: Double { graphStartUs ?? graphLaunchUs }

    /// The same GPU in a process that has not run PyTorch's profiler: a replay's host call no longer grows with its
    /// nodes (round 12: 4–14 µs for graphs of 1–512 nodes).
    public var inCleanProcess: GPUSpec { var g = self; g.graphStartPerKernelUs = nil; return g }

    /// The same GPU as a clean process's replays look timed on the device alone (behind a spin kernel, the host's call
    /// hidden): the replay's shortest time is the device's own start-up `floorUs`, with no host call to wait for and so
    /// no cost per parallel branch (the second lease, round 14's node-by-node replays).
    public func timedOnDevice(floorUs: Double) -> GPUSpec {
        var g = inCleanProcess
        g.graphLaunchUs = floorUs; g.graphStartUs = nil; g.graphLaunchPerBranchUs = nil
        return g
    }

    /// The same GPU in `process`: as profiled (the profile's own state) or `inCleanProcess`.
    public func inProcess(_ process: ProcessState) -> GPUSpec { process == .clean ? inCleanProcess : self }

    /// Major version of the compute capability (7 for Volta/Turing, 8 Ampere/Ada, 9 Hopper).
    public var ccMajor: Int { Int(computeCapability.split(separator: ".").first ?? "0") ?? 0 }
    public var ccValue: Double { Double(computeCapability) ?? 0 }

    /// Peak rate in FLOP/s for tensor-core work at `precision` (falls back to FP32 where absent).
    public func tensorPeak(_ precision: Precision) -> Double {
        let t: Double
        switch precision {
        case .fp32: t = fp32TFLOPS
        case .tf32: t = tf32TFLOPS > 0 ? tf32TFLOPS : fp32TFLOPS
        case .fp16: t = fp16TFLOPS > 0 ? fp16TFLOPS : fp32TFLOPS
        case .bf16: t = bf16TFLOPS > 0 ? bf16TFLOPS : (fp16TFLOPS > 0 ? fp16TFLOPS : fp32TFLOPS)
        }
        return t * 1e12
    }

    /// Checks that every field makes sense; the error names the field.
    public func validate() throws {
        func need(_ ok: Bool, _ field: String, _ why: String) throws {
            if !ok { throw ConvtopError(.model, "GPU profile '\(name)': field '\(field)' \(why)") }
        }
        try need(!name.isEmpty, "name", "must not be empty")
        try need(ccValue >= 3, "compute_capability", "must look like \"9.0\"")
        try need(smCount >= 1 && smCount <= 1024, "sm_count", "must be between 1 and 1024")
        try need(maxThreadsPerSM >= 32 && maxThreadsPerSM % 32 == 0, "max_threads_per_sm", "must be a positive multiple of 32")
        try need(maxWarpsPerSM * 32 == maxThreadsPerSM, "max_warps_per_sm", "must equal max_threads_per_sm / 32")
        try need(maxBlocksPerSM >= 1, "max_blocks_per_sm", "must be at least 1")
        try need(registersPerSM >= 1024 && registersPerSM <= 1 << 24, "registers_per_sm", "must be between 1024 and 16777216")
        try need(maxRegistersPerThread >= 16 && maxRegistersPerThread <= 1024, "max_registers_per_thread", "must be between 16 and 1024")
        try need(sharedMemoryPerSM >= 1024 && sharedMemoryPerSM <= 1 << 30, "shared_memory_per_sm", "must be between 1024 bytes and 1 GiB")
        try need(maxSharedMemoryPerBlock >= 1024 && maxSharedMemoryPerBlock <= sharedMemoryPerSM, "max_shared_memory_per_block",
                 "must be between 1024 and shared_memory_per_sm")
        // Bounded by the SM's own totals: a unit of 2^62 registers overflowed the occupancy arithmetic (a fuzzed
        // profile, Tests/ConvtopCoreTests/Fixtures/fuzz/gpu_register_unit_overflow.json).
        try need(reservedSharedMemoryPerBlock >= 0 && reservedSharedMemoryPerBlock <= sharedMemoryPerSM, "reserved_shared_memory_per_block",
                 "must be between 0 and shared_memory_per_sm")
        try need(registerAllocationUnit >= 1 && registerAllocationUnit <= registersPerSM, "register_allocation_unit",
                 "must be between 1 and registers_per_sm")
        try need(sharedMemoryAllocationUnit >= 1 && sharedMemoryAllocationUnit <= sharedMemoryPerSM, "shared_memory_allocation_unit",
                 "must be between 1 and shared_memory_per_sm")
        try need(boostClockMHz > 0, "boost_clock_mhz", "must be positive")
        try need(fp32TFLOPS > 0, "fp32_tflops", "must be positive")
        try need(tf32TFLOPS >= 0 && fp16TFLOPS >= 0 && bf16TFLOPS >= 0, "tf32_tflops", "and the other tensor rates must not be negative")
        try need(dramBandwidthGBs > 0, "dram_bandwidth_gbs", "must be positive")
        try need(maxConnections >= 1 && maxConnections <= 128, "max_connections", "must be between 1 and 128")
        try need(defaultConnections >= 1 && defaultConnections <= maxConnections, "default_connections", "must be between 1 and max_connections")
        try need(maxResidentGrids >= 1, "max_resident_grids", "must be at least 1")
        for (v, f) in [(hostLaunchEagerUs, "host_launch_eager_us"), (hostEventUs, "host_event_us"), (graphLaunchUs, "graph_launch_us"),
                       (kernelGapEagerUs, "kernel_gap_eager_us"), (kernelGapGraphUs, "kernel_gap_graph_us"),
                       (kernelLatencyUs, "kernel_latency_us")] {
            try need(v >= 0 && v < 1e5, f, "must be between 0 and 100000 microseconds")
        }
        try need(smBandwidthBurst >= 1, "sm_bandwidth_burst", "must be at least 1")
        try need(saturationWarps >= 1 && saturationWarps <= maxWarpsPerSM, "saturation_warps", "must be between 1 and max_warps_per_sm")
        try need(gemmSaturationWarps >= 1 && gemmSaturationWarps <= maxWarpsPerSM, "gemm_saturation_warps", "must be between 1 and max_warps_per_sm")
        try need(blockOverheadUs >= 0 && blockOverheadUs < 100, "block_overhead_us", "must be between 0 and 100 microseconds")
        try need(gemmBlockOverheadUs >= 0 && gemmBlockOverheadUs < 100, "gemm_block_overhead_us", "must be between 0 and 100 microseconds")
        for (v, f) in [(memsetGapInGraphUs, "memset_gap_in_graph_us"), (memsetGapOutGraphUs, "memset_gap_out_graph_us")] {
            try need((v ?? 0) >= 0 && (v ?? 0) < 100, f, "must be between 0 and 100 microseconds")
        }
        for (v, f) in [(l2SustainedGBs, "l2_sustained_gbs"), (dramSustainedGBs, "dram_sustained_gbs")] {
            if let v { try need(v > 0 && v < 1e6, f, "must be between 0 and 1000000 GB/s") }
        }
        if let b = graphLaunchPerBranchUs { try need(b >= 0 && b <= graphLaunchUs, "graph_launch_per_branch_us", "must be between 0 and graph_launch_us") }
        if let h = graphStartPerKernelUs { try need(h >= 0 && h < 100, "graph_start_per_kernel_us", "must be between 0 and 100 microseconds") }
        if let g = graphStartUs { try need(g >= 0 && g <= graphLaunchUs, "graph_start_us", "must be between 0 and graph_launch_us (a replay starts before its shortest time)") }
        if let q = queuePollUs { try need(q >= 0 && q < 100, "queue_poll_us", "must be between 0 and 100 microseconds") }
        if let c = corunStretchUs { try need(c >= 0 && c < 100, "corun_stretch_us", "must be between 0 and 100 microseconds") }
        if let c = sharedMemoryCarveoutsKB {
            try need(!c.isEmpty && c.count <= 64 && zip(c, c.dropFirst()).allSatisfy { $0 < $1 }
                     && c.allSatisfy { $0 >= 0 && $0 <= sharedMemoryPerSM / 1024 }, "shared_memory_carveouts_kb",
                     "must list 1 to 64 sizes in KB, ascending, none above shared_memory_per_sm")
        }
        if let w = launchWorkUs {
            try need(w >= 0 && w <= kernelLatencyUs / 2, "launch_work_us", "must be between 0 and half of kernel_latency_us")
        }
        try need(layoutBlockOverheadUs >= 0 && layoutBlockOverheadUs < 100, "layout_block_overhead_us", "must be between 0 and 100 microseconds")
        try need(gridLaunchIntervalUs >= 0 && gridLaunchIntervalUs < 100, "grid_launch_interval_us", "must be between 0 and 100 microseconds")
        try need(l2BandwidthBoost >= 1 && l2BandwidthBoost <= 10, "l2_bandwidth_boost", "must be between 1 and 10")
        if let w = warpBandwidthGBs { try need(w >= 0.01 && w <= 1000, "warp_bandwidth_gbs", "must be between 0.01 and 1000 GB/s") }
        let e = efficiency
        for (v, f) in [(e.tensorGemm, "efficiency.tensor_gemm"), (e.cudaCore, "efficiency.cuda_core"), (e.memory, "efficiency.memory"),
                       (e.reduction, "efficiency.reduction"), (e.layout, "efficiency.layout")] {
            try need(v >= 0.01 && v <= 1, f, "must be between 0.01 and 1")
        }
    }
}
