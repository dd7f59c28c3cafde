extension Simulator.State {
    // Set-up of one simulation run, in the order `init` calls these steps.

    /// Streams, hardware queues, priorities and SM partitions per kernel, and each partition's dispatch state.
    mutating func setUpPartitions() {
        let kg = sim.kg, gpu = sim.gpu, schedule = sim.schedule
        // A CUDA Graph's branches get hardware queues of their own: CUDA_DEVICE_MAX_CONNECTIONS (`connections`) maps
        // streams of eager launches only. Round 10 timed the front-end benchmark's graphs with it at 8 and 32 alike
        // (within 1%); round 21 ran 16 chains of 9-µs convolutions in one graph 14 times as fast as one chain, where
        // 8 queues would allow 8 (`Assets/calibration/round21/`, measure_launch_cost.py).
        let asked = sim.options.launch == .graph ? gpu.maxConnections : (sim.options.connections ?? gpu.defaultConnections)
        let connections = max(1, min(asked, gpu.maxConnections))
        stream = kg.kernels.map { schedule.streamOfOp[$0.op] ?? 0 }
        conn = stream.map { $0 % connections }
        prio = kg.kernels.map { schedule.priorityOfOp[$0.op] }
        var partIndex: [SMRange: Int] = [:]
        var parts: [SMRange] = []
        part = kg.kernels.map { k in
            let r = schedule.smRangeOfOp[k.op] ?? SMRange(0, gpu.smCount)
            let lower = max(0, min(r.lower, gpu.smCount - 1))
            let clamped = SMRange(lower, max(min(r.upper, gpu.smCount), lower + 1))
            if let i = partIndex[clamped] { return i }
            partIndex[clamped] = parts.count
            parts.append(clamped)
            return parts.count - 1
        }
        partitions = parts
        queues = Array(repeating: [], count: parts.count)
        dispatchPending = Array(repeating: false, count: parts.count)
        dirty = Array(repeating: [], count: parts.count)
        partitionSMs = parts.map { ($0.lower..<$0.upper).map { Int32($0) } }
        lastHead = Array(repeating: -1, count: parts.count)
        fifo = Array(repeating: [], count: connections)
        head = Array(repeating: 0, count: connections)
        tryPending = Array(repeating: -1, count: connections)
        inLaunch = Array(repeating: 0, count: connections)
        polling = Array(repeating: false, count: connections)
        pollUntil = Array(repeating: -Double.infinity, count: connections)
        sms = Array(repeating: SMState(gpu), count: gpu.smCount)
        batchesOnSM = Array(repeating: [], count: gpu.smCount)
        smSeen = Array(repeating: -1, count: gpu.smCount)
        smBatchStamp = Array(repeating: 0, count: gpu.smCount)
    }

    /// Flat per-kernel pricing inputs from the timing model (or from a trace's measured durations), and jitter.
    mutating func setUpPricing() {
        let kg = sim.kg, timing = sim.timing
        foot = kg.kernels.map { BlockFootprint(kernel: $0, gpu: sim.gpu) }
        split = foot.map { $0.carveout(sim.gpu) }
        saturation = kg.kernels.map { timing.saturation($0) }
        for k in kg.kernels {
            chipBytesPerUs.append(timing.bandwidth(k) / 1e6)
            footprint.append(k.footprint)
            if let m = kg.measuredUs?[k.id] {
                // Imported from a trace: the block time reproduces the measured standalone duration.
                overheadUs.append(0)
                computeUsPerBlock.append(timing.measuredBlockUs(k, measured: m))
                memoryUsPerBlock.append(0)
                memoryFloorUs.append(0)
                bytesPerBlock.append(0)
                continue
            }
            let base = timing.blockOverhead(k)
            overheadUs.append(base)
            computeUsPerBlock.append(timing.blockTimes(k, share: 1).compute - base)
            memoryUsPerBlock.append(timing.blockMemoryUs(k))
            memoryFloorUs.append(timing.memoryFloor(k))
            bytesPerBlock.append(k.bytes / Double(max(k.blocks, 1)))
        }
        // The L2's sustained rate caps every kernel's chip bandwidth alike, so it is folded in here once.
        let l2Cap = timing.chipSustained(footprint: 0) / 1e6
        dramCap = timing.chipSustained(footprint: .infinity) / 1e6
        chipBytesPerUs = chipBytesPerUs.map { min($0, l2Cap) }
        tracksReuse = dramCap.isFinite
        touchedAtStart = Array(repeating: 0, count: kg.kernels.count)
        misses = Array(repeating: false, count: kg.kernels.count)
        minChipBytesPerUs = chipBytesPerUs.min() ?? .infinity
        maxChipBytesPerUs = chipBytesPerUs.max() ?? 0
        var rng = SplitMix64(seed: sim.options.seed &* 0x9E37_79B9 &+ UInt64(sim.options.iteration) &* 0x85EB_CA6B &+ 1)
        jitter = (0..<n).map { _ in 1 + sim.options.jitter * (2 * rng.unit() - 1) }
    }

    /// Blocks merged into one sequential unit for a kernel of `blocks` blocks, `perWave` of which fit on its SMs at
    /// once, so that it needs about `maxWaves` waves of dispatch events rather than one per block wave. Units of u
    /// blocks run in ceil(ceil(blocks / u) / perWave) waves of u block-times each; u is chosen among ceil(waves / w)
    /// for w = maxWaves … 2 maxWaves + 2 for the fewest block-times beyond the kernel's own waves. (u = waves /
    /// maxWaves rounded down, as before session 13, could leave one unit for a third wave: 401,408 blocks in 381
    /// waves of 1,056 made 2,113 units of 190, three unit waves of 190 block-times, 570 for 381, and a lone layout
    /// transform of ResNet-50 at batch 256 took 748 µs against its own 560.)
    static func unitBlocks(blocks: Int, perWave: Int, maxWaves: Int) -> Int {
        let waves = (blocks + perWave - 1) / perWave, m = max(1, maxWaves)
        guard waves > m else { return 1 }
        var best = 1, bestExcess = Int.max
        for w in m...(2 * m + 2) {
            let u = max(1, (waves + w - 1) / w)
            let unitWaves = ((blocks + u - 1) / u + perWave - 1) / perWave
            let excess = unitWaves * u - waves
            if excess < bestExcess { best = u; bestExcess = excess }
        }
        return best
    }

    /// Merges sequential blocks so that a kernel needs about `maxWaves` waves of dispatch events (`unitBlocks`).
    mutating func setUpBlockUnits() {
        let kg = sim.kg
        for (i, k) in kg.kernels.enumerated() {
            let perWave = max(1, foot[i].blocksPerSM(sim.gpu) * partitions[part[i]].count)
            unitBlocks.append(Self.unitBlocks(blocks: k.blocks, perWave: perWave, maxWaves: sim.options.maxWaves))
        }
        blocksLeft = kg.kernels.map(\.blocks)
        unitsLeft = zip(blocksLeft, unitBlocks).map { ($0 + $1 - 1) / $1 }
        running = Array(repeating: 0, count: n)
        started = Array(repeating: false, count: n)
        readySeq = Array(repeating: 0, count: n)
        stretchTime = Array(repeating: 0, count: n)
        stretchDRAM = Array(repeating: 0, count: n)
        records = kg.kernels.map { KernelRecord(kernel: $0.id, stream: 0, launched: 0, issued: 0, start: 0, end: 0, blocks: $0.blocks, smsUsed: 0) }
        for i in 0..<n { records[i].stream = stream[i] }
    }

    /// Fills the hardware queues in launch order and counts each kernel's dependencies (its producers and its
    /// stream predecessor); returns the launch order at kernel granularity.
    mutating func setUpQueues() throws -> [Int] {
        let kg = sim.kg
        let dependencies = KernelDependencies(kg, schedule: sim.schedule, autogradEvents: sim.options.autogradEvents)
        let order = dependencies.order
        guard order.count == n else { throw ConvtopError(.simulation, "the schedule does not launch every kernel") }
        consumers = Array(repeating: [], count: n)
        depsLeft = Array(repeating: 0, count: n)
        eligibleAt = Array(repeating: 0, count: n)
        frontFinish = Array(repeating: 0, count: n)
        arrived = Array(repeating: false, count: n)
        crossStreamWaits = Array(repeating: 0, count: n)
        crossLeft = Array(repeating: 0, count: n)
        for k in order {
            var deps = Set(dependencies.producers[k])
            for d in deps where stream[d] != stream[k] { crossStreamWaits[k] += 1 }
            crossLeft[k] = crossStreamWaits[k]
            if let p = dependencies.streamPredecessor[k] { deps.insert(p) }
            depsLeft[k] = deps.count
            for d in deps.sorted() { consumers[d].append(k) }
            fifo[conn[k]].append(k)
        }
        return order
    }

    /// The host's launches: one per kernel in eager mode (plus an event record per cross-stream wait), or one
    /// graph replay that makes every kernel arrive at once, at the replay's start (`GPUSpec.graphDeviceStartUs`).
    mutating func startHostTimeline(_ order: [Int]) {
        let gpu = sim.gpu
        var t = 0.0
        switch sim.options.launch {
        case .eager:
            for k in order {
                let cost = gpu.hostLaunchEagerUs + Double(crossStreamWaits[k]) * gpu.hostEventUs
                hostLaunches.append(HostLaunch(kernel: k, start: t, end: t + cost))
                t += cost
                records[k].launched = t
                push(t, .arrive(kernel: Int32(k)))
            }
        case .graph:
            // (the replay's floor grows with the streams its kernels run on: the driver's work per parallel branch)
            var used = [Bool](repeating: false, count: (stream.max() ?? 0) + 1), branches = 0
            for k in order where !used[stream[k]] { used[stream[k]] = true; branches += 1 }
            hostLaunches.append(HostLaunch(kernel: nil, start: 0, end: gpu.graphFloorUs(branches: branches)))
            // In a profiled process the device waits for the host's call up to the graph's first memset node.
            let exposed = order.firstIndex { isMemset[$0] } ?? order.count
            t = gpu.graphDeviceStartUs + (gpu.graphStartPerKernelUs ?? 0) * Double(exposed)
            for k in order {
                records[k].launched = t
                push(t, .arrive(kernel: Int32(k)))
            }
        }
    }
}
