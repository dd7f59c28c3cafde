/// Prices thread blocks: a per-SM roofline with per-class efficiency, SM throughput shared among resident warps,
/// DRAM bandwidth shared among co-running blocks, and a fixed per-kernel latency. A kernel's `timeScale` (from the
/// kernel catalog) stretches every rate of it alike, so its standalone duration beyond the latency scales exactly.
public struct TimingModel: Sendable {
    public let gpu: GPUSpec

    public init(gpu: GPUSpec) { self.gpu = gpu }

    /// FLOP/s one SM reaches on this kernel's arithmetic when it has the SM to itself.
    public func smComputeRate(_ k: Kernel) -> Double {
        let e = gpu.efficiency
        let s = Double(gpu.smCount)
        let rate: Double
        switch k.kernelClass {
        case .tensorGemm: rate = gpu.tensorPeak(k.precision) * e.tensorGemm / s
        case .cudaCore: rate = gpu.fp32TFLOPS * 1e12 * e.cudaCore / s
        case .simtGemm: rate = gpu.fp32TFLOPS * 1e12 * (e.simtGemm ?? e.cudaCore) / s
        case .elementwise, .reduction, .layout: rate = gpu.fp32TFLOPS * 1e12 * 0.5 / s
        }
        return rate / k.timeScale
    }

    /// Achievable DRAM bandwidth for this kernel class (whole chip), bytes/s.
    public func bandwidth(_ k: Kernel) -> Double {
        let l2 = k.bytes <= Double(gpu.l2Bytes) / 2 ? gpu.l2BandwidthBoost : 1
        return gpu.dramBandwidthGBs * 1e9 * bandwidthShare(k.kernelClass) * l2 / k.timeScale
    }

    /// The share of the datasheet DRAM bandwidth a kernel class streams at (its efficiency).
    public func bandwidthShare(_ c: KernelClass) -> Double {
        let e = gpu.efficiency
        switch c {
        case .reduction: return e.reduction
        case .layout: return e.layout
        default: return e.memory
        }
    }

    /// Memory traffic the whole chip sustains (bytes/s) for reads whose reuse distance is `footprint` bytes (the
    /// bytes touched since they were written; a kernel alone: its own footprint): the L2's rate while that fits in
    /// it, DRAM's once it does not (infinite where the profile gives neither).
    public func chipSustained(footprint: Double) -> Double {
        let rate = footprint <= Double(gpu.l2Bytes) ? gpu.l2SustainedGBs : gpu.dramSustainedGBs
        return rate.map { $0 * 1e9 } ?? .infinity
    }

    /// Bytes/s one SM can draw at most (a few times its fair share).
    public func smBandwidth(_ k: Kernel) -> Double {
        bandwidth(k) / Double(gpu.smCount) * gpu.smBandwidthBurst
    }

    /// Seconds→microseconds scale used everywhere in the simulator.
    static let us = 1e6

    /// Uncontended compute and memory time (µs) of one block given its share of the SM's throughput; the fixed
    /// per-block overhead is part of the compute time.
    public func blockTimes(_ k: Kernel, share: Double) -> (compute: Double, memory: Double) {
        let blocks = Double(max(k.blocks, 1))
        let c = k.flops * k.issuedShare / blocks / (smComputeRate(k) * share) * Self.us + blockOverhead(k)
        return (c, max(blockMemoryUs(k) / share, memoryFloor(k)))
    }

    /// Memory time (µs) of one block at a full SM share, before the per-warp floor.
    public func blockMemoryUs(_ k: Kernel) -> Double {
        k.bytes / Double(max(k.blocks, 1)) / smBandwidth(k) * Self.us
    }

    /// Memory time (µs) of one block that no SM share can shorten: its bytes at the per-warp bandwidth of its warps.
    /// Reductions only (batch-norm statistics, depthwise weight gradients): their warps accumulate as they load,
    /// with few bytes in flight. Vectorised element-wise and layout kernels keep many independent loads in flight
    /// per warp, and GEMM-like kernels stage tiles with asynchronous copies: neither is limited this way (applied
    /// to them, the limit made batch-1 element-wise kernels twice as slow as measured).
    public func memoryFloor(_ k: Kernel) -> Double {
        switch k.kernelClass {
        case .tensorGemm, .cudaCore, .simtGemm, .elementwise, .layout: return 0
        case .reduction: break
        }
        let blocks = Double(max(k.blocks, 1))
        let warps = Double((k.threadsPerBlock + 31) / 32)
        return k.bytes / blocks / (gpu.warpBandwidth * max(warps, 1)) * Self.us * k.timeScale
    }

    /// Fixed cost of one block of this kernel (µs): its own block latency where it has one, else by class.
    public func blockOverhead(_ k: Kernel) -> Double {
        if let l = k.blockLatencyUs { return l * k.timeScale }
        switch k.kernelClass {
        case .tensorGemm, .cudaCore, .simtGemm: return gpu.gemmBlockOverheadUs * k.timeScale
        case .layout: return gpu.layoutBlockOverheadUs * k.timeScale
        case .elementwise, .reduction: return gpu.blockOverheadUs * k.timeScale
        }
    }

    /// Warps per SM that saturate this kernel's bottleneck.
    public func saturation(_ k: Kernel) -> Int {
        switch k.kernelClass {
        case .tensorGemm, .cudaCore, .simtGemm: return gpu.gemmSaturationWarps
        default: return gpu.saturationWarps
        }
    }

    /// Share of an SM's throughput a block with `warps` warps gets when `residentWarps` warps are resident.
    public func share(warps: Int, residentWarps: Int, saturation: Int) -> Double {
        Double(warps) / Double(max(residentWarps, saturation))
    }

    /// Waves a kernel needs alone on `sms` SMs (blocks spread evenly, at most its occupancy per SM), and the SM
    /// share each block then gets.
    func standaloneWaves(_ k: Kernel, sms: Int? = nil) -> (waves: Double, share: Double) {
        let w = standaloneShape(k, sms: sms)
        return (w.full + (w.tailShare > 0 ? w.share / w.tailShare : 0), w.share)
    }

    /// How a lone grid runs, as the simulator's dispatcher runs it: `full` waves of `share` each, then a last, partial
    /// wave of the remaining blocks spread evenly over the SMs (`tailShare` each, 0 when there is none). Fewer blocks
    /// share each SM there, so each runs faster: 1,470 blocks of 8 a SM on 132 SMs are one full wave and 414 blocks
    /// at 4 a SM, not two waves. (Counting the tail as a full wave, as before session 14, priced every catalog kernel
    /// with a partial last wave for a time its simulation then beat: GoogLeNet's max pools at batch 4 ran 23% under
    /// their measured time, `Assets/calibration/round14/prefix_replays.jsonl.gz`.)
    func standaloneShape(_ k: Kernel, sms: Int? = nil) -> (full: Double, share: Double, tailShare: Double) {
        let f = BlockFootprint(kernel: k, gpu: gpu)
        let fit = max(1, f.blocksPerSM(gpu))
        let n = sms ?? gpu.smCount, blocks = max(k.blocks, 1)
        let perSM = min(fit, (blocks + n - 1) / n)
        let sh = share(warps: f.warps, residentWarps: perSM * f.warps, saturation: saturation(k))
        let full = blocks / (n * perSM), rest = blocks - full * n * perSM
        guard rest > 0 else { return (Double(full), sh, 0) }
        let tail = share(warps: f.warps, residentWarps: (rest + n - 1) / n * f.warps, saturation: saturation(k))
        return (Double(full), sh, tail)
    }

    /// Shortest time a group of blocks takes (µs), however little work it holds: a floor that keeps every event
    /// strictly after the one that started it.
    static let minimumGroupUs = 0.05

    /// For a measured kernel: µs per block at a full SM share, so that the standalone run takes `measured` µs.
    public func measuredBlockUs(_ k: Kernel, measured: Double) -> Double {
        let w = standaloneWaves(k)
        return max(measured - gpu.kernelLatencyUs, Self.minimumGroupUs) / w.waves * w.share
    }

    /// Standalone duration (µs) of a kernel with the whole GPU (or `sms` SMs), waves included.
    public func standaloneDuration(_ k: Kernel, sms: Int? = nil) -> Double {
        max(scaledStandaloneUs(k, sms: sms), chipFloorUs(k)) + gpu.kernelLatencyUs
    }

    /// The part of a standalone run (µs, before the latency) that `timeScale` stretches: waves of blocks, and the
    /// kernel class's bandwidth over the whole grid.
    func scaledStandaloneUs(_ k: Kernel, sms: Int? = nil) -> Double {
        let w = standaloneShape(k, sms: sms)
        let t = blockTimes(k, share: w.share)
        var waves = w.full * max(t.compute, t.memory)
        if w.tailShare > 0 {
            let tail = blockTimes(k, share: w.tailShare)
            waves += max(tail.compute, tail.memory)
        }
        return max(waves, k.bytes / bandwidth(k) * Self.us)
    }

    /// The chip's sustained traffic over the whole grid (µs): no time scale shortens it. A kernel that re-reads what it
    /// touches (`Kernel.touchedBytes`) moves its traffic at the L2's rate and only what it touches at DRAM's.
    func chipFloorUs(_ k: Kernel) -> Double {
        if let touched = k.touchedBytes {
            return max(touched / chipSustained(footprint: touched), k.bytes / chipSustained(footprint: 0)) * Self.us
        }
        return k.bytes / chipSustained(footprint: k.footprint) * Self.us
    }

    /// The `timeScale` that makes `k` take `us` alone (beyond the launch latency), for kernels whose time is measured
    /// (the catalog's) or given by a measured rule (the foreach optimizer's). Not bounded: a measured kernel that holds
    /// a large share of its op's FLOPs in one block (cuDNN's workspace initialiser) needs a tiny factor.
    public func timeScale(_ k: Kernel, toUs us: Double) -> Double {
        let modelled = scaledStandaloneUs(k)
        let wanted = us - gpu.kernelLatencyUs
        return max(wanted, Self.minimumGroupUs) / max(modelled, Self.minimumGroupUs)
    }

    /// Makes `k` a modelled kernel that takes `us` alone: the calibration sets' benchmark kernels (an add, a spin)
    /// whose measured time stands in for the catalog's.
    func pin(_ k: inout Kernel, toUs us: Double) {
        k.origin = .model
        k.timeScale = 1
        k.timeScale = timeScale(k, toUs: us)
    }

    /// Duration (µs) with unlimited SMs — what the critical-path bound counts. A measured kernel (from a trace)
    /// still takes at least one wave of its measured blocks.
    public func unlimitedDuration(_ k: Kernel, measured: Double?) -> Double {
        guard let m = measured else { return unlimitedDuration(k) }
        return min(m, measuredBlockUs(k, measured: m) + gpu.kernelLatencyUs)
    }

    /// Duration (µs) with unlimited SMs: one block per SM, one wave.
    public func unlimitedDuration(_ k: Kernel) -> Double {
        let f = BlockFootprint(kernel: k, gpu: gpu)
        let t = blockTimes(k, share: share(warps: f.warps, residentWarps: f.warps, saturation: saturation(k)))
        return max(t.compute, t.memory) + gpu.kernelLatencyUs
    }
}
