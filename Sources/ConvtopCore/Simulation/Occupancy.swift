/// What one thread block of a kernel takes from an SM, with the hardware's allocation granularity.
public struct BlockFootprint: Sendable, Hashable {
    public var threads: Int
    public var warps: Int
    public var registers: Int
    public var sharedMemory: Int

    public init(kernel k: Kernel, gpu: GPUSpec) {
        warps = (k.threadsPerBlock + 31) / 32
        threads = warps * 32
        let unit = max(gpu.registerAllocationUnit, 1)
        let perWarp = (k.registersPerThread * 32 + unit - 1) / unit * unit
        registers = perWarp * warps
        let sUnit = max(gpu.sharedMemoryAllocationUnit, 1)
        let smem = k.sharedMemoryPerBlock + gpu.reservedSharedMemoryPerBlock
        sharedMemory = (smem + sUnit - 1) / sUnit * sUnit
    }

    /// Blocks that fit on an empty SM (0 means the kernel cannot run on this GPU).
    public func blocksPerSM(_ gpu: GPUSpec) -> Int {
        var fit = gpu.maxBlocksPerSM
        fit = min(fit, gpu.maxWarpsPerSM / max(warps, 1))
        if registers > 0 { fit = min(fit, gpu.registersPerSM / registers) }
        if sharedMemory > 0 { fit = min(fit, gpu.sharedMemoryPerSM / sharedMemory) }
        return max(fit, 0)
    }

    /// The shared memory (bytes) of the split of on-chip memory the kernel runs with: the smallest the GPU offers that
    /// holds as many of its blocks as fit on an SM (round 28: grids whose blocks ask for 0-160 KB, one an SM, beside
    /// grids of another size, took the second grid's blocks beside the first's exactly where this split of the first
    /// was at least the second's and held both); the whole shared memory where the profile lists no splits.
    public func carveout(_ gpu: GPUSpec) -> Int {
        guard let splits = gpu.sharedMemoryCarveoutsKB else { return gpu.sharedMemoryPerSM }
        let need = blocksPerSM(gpu) * sharedMemory
        return splits.lazy.map { $0 * 1024 }.first { $0 >= need } ?? gpu.sharedMemoryPerSM
    }

    /// Explains why a block does not fit on an SM, or nil when it does.
    public func misfit(_ gpu: GPUSpec, threadsRequested: Int, registersPerThread: Int) -> String? {
        if threadsRequested > 1024 || threads > gpu.maxThreadsPerSM { return "\(threadsRequested) threads per block" }
        if registersPerThread > gpu.maxRegistersPerThread { return "\(registersPerThread) registers per thread" }
        if registers > gpu.registersPerSM { return "\(registers) registers per block" }
        if sharedMemory > gpu.sharedMemoryPerSM { return "\(sharedMemory) bytes of shared memory per block" }
        return nil
    }
}

/// Free resources of one SM.
struct SMState {
    var warps: Int
    var blocks: Int
    var registers: Int
    var sharedMemory: Int
    /// Resident blocks (any kernel), for busy-time accounting.
    var resident: Int = 0
    var busySince: Double = 0
    var busyTime: Double = 0
    /// Co-running stretch bookkeeping: matrix-product block groups on the SM now, and how many ever arrived.
    var productGroups: Int32 = 0, productArrivals: Int32 = 0
    /// The SM's shared memory in all, and the split of it its resident blocks run with (set by the first block placed
    /// on the SM while it was empty; see `BlockFootprint.carveout`).
    let capacity: Int
    var carveout: Int

    init(_ gpu: GPUSpec) {
        warps = gpu.maxWarpsPerSM; blocks = gpu.maxBlocksPerSM
        registers = gpu.registersPerSM; sharedMemory = gpu.sharedMemoryPerSM
        capacity = gpu.sharedMemoryPerSM; carveout = gpu.sharedMemoryPerSM
    }

    /// Whether `other` has exactly this SM's free resources and resident blocks (so a group prices the same on both).
    func sameRoom(as other: SMState) -> Bool {
        warps == other.warps && blocks == other.blocks && registers == other.registers
            && sharedMemory == other.sharedMemory && resident == other.resident && (resident == 0 || carveout == other.carveout)
    }

    /// How many blocks of a kernel with footprint `f` and split `split` (bytes of shared memory) the SM takes now: an
    /// SM holding blocks takes none of a kernel that needs a larger split than its own, and at most what its own
    /// split has left; an empty SM takes what fits in the kernel's split.
    func fits(_ f: BlockFootprint, split: Int) -> Int {
        if resident > 0 && split > carveout { return 0 }
        var n = min(blocks, warps / max(f.warps, 1))
        if f.registers > 0 { n = min(n, registers / f.registers) }
        if f.sharedMemory > 0 {
            let room = resident > 0 ? carveout - (capacity - sharedMemory) : min(split, sharedMemory)
            n = min(n, room / f.sharedMemory)
        }
        return max(n, 0)
    }

    /// Takes `n` blocks' resources; on an empty SM the kernel's split becomes the SM's.
    mutating func take(_ f: BlockFootprint, _ n: Int, split: Int) {
        if resident == 0 { carveout = split }
        warps -= f.warps * n; blocks -= n; registers -= f.registers * n; sharedMemory -= f.sharedMemory * n
    }

    mutating func give(_ f: BlockFootprint, _ n: Int) {
        warps += f.warps * n; blocks += n; registers += f.registers * n; sharedMemory += f.sharedMemory * n
    }
}
