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

    init(_ gpu: GPUSpec) {
        warps = gpu.maxWarpsPerSM; blocks = gpu.maxBlocksPerSM
        registers = gpu.registersPerSM; sharedMemory = gpu.sharedMemoryPerSM
    }

    /// Whether `other` has exactly this SM's free resources and resident blocks (so a group prices the same on both).
    func sameRoom(as other: SMState) -> Bool {
        warps == other.warps && blocks == other.blocks && registers == other.registers
            && sharedMemory == other.sharedMemory && resident == other.resident
    }

    func fits(_ f: BlockFootprint) -> Int {
        var n = min(blocks, warps / max(f.warps, 1))
        if f.registers > 0 { n = min(n, registers / f.registers) }
        if f.sharedMemory > 0 { n = min(n, sharedMemory / f.sharedMemory) }
        return max(n, 0)
    }

    mutating func take(_ f: BlockFootprint, _ n: Int) {
        warps -= f.warps * n; blocks -= n; registers -= f.registers * n; sharedMemory -= f.sharedMemory * n
    }

    mutating func give(_ f: BlockFootprint, _ n: Int) {
        warps += f.warps * n; blocks += n; registers += f.registers * n; sharedMemory += f.sharedMemory * n
    }
}
