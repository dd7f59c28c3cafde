/// Re-simulations with one limit lifted, each telling how much time that limit costs this iteration.
public struct WhatIf: Sendable {
    /// One lifted limit and the iteration time without it.
    public struct Row: Sendable {
        public var change: String
        public var cause: LossCause
        public var iterationUs: Double
        public var savedUs: Double
    }
    public var baselineUs: Double
    public var rows: [Row]

    /// Runs every applicable what-if for `w` under `policy`, iteration `iteration`.
    public static func run(_ w: Workload, policy: PolicyKind, iteration: Int = 0) throws -> WhatIf {
        let base = try w.simulate(policy, iteration: iteration, recordBlocks: false).1.iterationTime
        var rows: [Row] = []
        func add(_ change: String, _ cause: LossCause, scenario: Scenario? = nil, policy p: PolicyKind? = nil, gpu: GPUSpec? = nil) throws {
            let s = scenario ?? w.scenario
            // Launch mode and connections do not change the kernels, and a trace's kernels do not depend on the GPU:
            // reuse them rather than lowering (or re-reading the trace) again. A model on another GPU is re-lowered.
            let variant: Workload
            if scenario == nil && gpu == nil {
                variant = w
            } else if gpu == nil || w.trace != nil {
                variant = try Workload(kernels: w.kernels, scenario: s, gpu: gpu ?? w.gpu, structureSource: w.structureSource, trace: w.trace)
            } else {
                variant = try Workload(s, gpu: gpu)
            }
            let t = try variant.simulate(p ?? policy, iteration: iteration, recordBlocks: false).1.iterationTime
            rows.append(Row(change: change, cause: cause, iterationUs: t, savedUs: base - t))
        }
        if w.scenario.launch == .eager {
            var s = w.scenario; s.launch = .graph
            try add("CUDA Graph replay instead of eager launches", .hostLaunch, scenario: s)
        }
        if policy != .serial {
            // (a graph replay's branches already have queues of their own)
            if w.scenario.launch == .eager {
                var s = w.scenario; s.connections = w.gpu.maxConnections
                try add("\(w.gpu.maxConnections) hardware queues (CUDA_DEVICE_MAX_CONNECTIONS=\(w.gpu.maxConnections))", .hardwareQueues, scenario: s)
            }
            if policy != .criticalPath { try add("critical path first, at high stream priority (--policy critical-path)", .inOrderDispatch, policy: .criticalPath) }
            if w.kernels.graph.mode == .training && policy != .oooBackprop {
                var o = w.options(iteration: iteration, recordBlocks: false)
                o.autogradEvents = false
                let t = try Simulator(kernels: w.kernels, schedule: w.schedule(policy), gpu: w.gpu, options: o).run().iterationTime
                rows.append(Row(change: "every gradient handed on as soon as it is made (no autograd events behind other work)",
                                cause: .autogradEvents, iterationUs: t, savedUs: base - t))
            }
        }
        var g = w.gpu
        g.kernelLatencyUs = 0; g.gridLaunchIntervalUs = 0; g.launchWorkUs = nil
        try add("no per-kernel launch latency", .launchLatency, gpu: g)
        g = w.gpu
        g.maxWarpsPerSM *= 2; g.maxThreadsPerSM *= 2; g.maxBlocksPerSM *= 2; g.registersPerSM *= 2; g.sharedMemoryPerSM *= 2
        try add("SMs with twice the room (as if kernels used half the resources per block)", .smResources, gpu: g)
        g = w.gpu
        g.dramBandwidthGBs *= 100
        g.l2SustainedGBs = g.l2SustainedGBs.map { $0 * 100 }; g.dramSustainedGBs = g.dramSustainedGBs.map { $0 * 100 }
        try add("unlimited DRAM bandwidth", .memoryBandwidth, gpu: g)
        if (w.gpu.corunStretchUs ?? 0) > 0 && policy != .serial {
            g = w.gpu
            g.corunStretchUs = nil
            try add("no co-running stretch (kernels beside another branch's products end as alone)", .corunStretch, gpu: g)
        }
        return WhatIf(baselineUs: base, rows: rows)
    }
}
