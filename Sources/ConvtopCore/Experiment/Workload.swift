/// A model lowered for one GPU and configuration: everything that does not change between policies.
public struct Workload: Sendable {
    public let scenario: Scenario
    public let graph: Graph
    public let gpu: GPUSpec
    public let kernels: KernelGraph
    /// Standalone time (µs) of each graph node's kernels, for the policies' cost estimates.
    public let opCost: [Double]
    /// Critical-path bound (µs): longest dependency chain with unlimited SMs.
    public let criticalPathUs: Double
    /// Fork–join regions, found on first use (only the dashboard and `models` need them).
    public var regions: [ForkJoinRegion] { derived.regions.get(0) { graph.forkJoinRegions() } }
    /// For profiler traces: where the ops' dependencies came from.
    public let structureSource: String?
    public let trace: ProfilerTrace?
    /// What IOS's search did for this workload at its stream count (runs the search if it has not run).
    public func iosStats() -> IOSSearch.Stats { iosSearch().1 }

    /// IOS's search, run once per workload (on first use) and shared by its copies.
    func iosSearch() -> (Schedule, IOSSearch.Stats) {
        derived.ios.get(0) { IOSSearch().schedule(self, pool: max(1, scenario.streams)) }
    }

    /// Builds the graph, lowers it and checks that every kernel fits on the GPU.
    public init(_ s: Scenario, gpu: GPUSpec? = nil) throws {
        try s.validate()
        let spec = try gpu ?? GPUCatalog.load(s.gpu)
        if ModelLoader.isTrace(s.model) {
            guard s.mode == .inference else {
                throw ConvtopError(.model, "a profiler trace replays the run it recorded; --mode training does not apply to it")
            }
            let t = try ProfilerTrace.load(path: s.model)
            let structure = try ModelLoader.structure(for: t, spec: s.structure, gpu: spec)
            let (kg, source) = t.kernelGraph(structure: structure, gpu: spec)
            try self.init(kernels: kg, scenario: s, gpu: spec, structureSource: source, trace: t)
        } else {
            let graph = try ModelLoader.load(s.model, batch: s.batch, mode: s.mode, optimizer: s.optimizer,
                                             mergeConvolutions: s.mergeConvolutions ?? false)
            try self.init(kernels: Lowering.lower(graph, gpu: spec, precision: s.precision, catalog: Self.catalog(s, spec)),
                          scenario: s, gpu: spec, structureSource: nil, trace: nil)
        }
    }

    /// A workload of an already built graph (forward or training), lowered for `gpu` (default: the scenario's).
    public init(graph: Graph, scenario s: Scenario, gpu: GPUSpec? = nil) throws {
        try s.validate()
        let spec = try gpu ?? GPUCatalog.load(s.gpu)
        try self.init(kernels: Lowering.lower(graph, gpu: spec, precision: s.precision, catalog: Self.catalog(s, spec)),
                      scenario: s, gpu: spec, structureSource: nil, trace: nil)
    }

    /// The kernel catalog a scenario's lowering consults on `gpu` (none when it asks for the model alone).
    static func catalog(_ s: Scenario, _ gpu: GPUSpec) -> CatalogSource {
        s.kernelSource == .model ? .none : CatalogSource.forGPU(gpu)
    }

    init(kernels kg: KernelGraph, scenario s: Scenario, gpu spec: GPUSpec, structureSource: String?, trace: ProfilerTrace?) throws {
        scenario = s
        self.gpu = spec.inProcess(s.process ?? .profiled)
        kernels = kg
        graph = kg.graph
        self.structureSource = structureSource
        self.trace = trace
        try Simulator.checkFits(kernels, gpu: self.gpu)
        let timing = TimingModel(gpu: self.gpu)
        var cost = Array(repeating: 0.0, count: graph.nodes.count)
        for k in kernels.kernels { cost[k.op] += kernels.measuredUs?[k.id] ?? timing.standaloneDuration(k) }
        opCost = cost
        let gap = s.launch == .graph ? self.gpu.kernelGapGraphUs : self.gpu.kernelGapEagerUs
        var finish = Array(repeating: 0.0, count: kernels.kernels.count)
        for k in kernels.kernels {
            let alone = timing.unlimitedDuration(k, measured: kernels.measuredUs?[k.id])
            finish[k.id] = (k.deps.map { finish[$0] + gap }.max() ?? 0) + alone
        }
        criticalPathUs = finish.max() ?? 0
    }

    /// What a workload derives once and every copy shares: regions, schedules, the serial baseline.
    final class Derived: Sendable {
        let regions = Memo<Int, [ForkJoinRegion]>()
        let schedules = Memo<PolicyKind, Schedule>()
        let serialUs = Memo<Int, Double>()
        let ios = Memo<Int, (Schedule, IOSSearch.Stats)>()
    }
    let derived = Derived()

    /// The serial baseline (µs) every policy is measured against: one serial iteration (iteration 0, no block
    /// records) per workload, simulated once rather than again for each iteration and policy.
    public func serialBaselineUs() throws -> Double {
        try derived.serialUs.get(0) { try simulate(.serial, iteration: 0, recordBlocks: false).1.iterationTime }
    }

    /// The schedule a policy produces for this workload.
    public func schedule(_ policy: PolicyKind) -> Schedule { derived.schedules.get(policy) { makeSchedule(policy) } }

    func makeSchedule(_ policy: PolicyKind) -> Schedule {
        if policy == .ios {
            var s = iosSearch().0
            if kernels.graph.mode == .training { Policies.backwardFollowsForward(kernels, into: &s) }
            return s
        }
        return policy.schedule(kernels, streams: scenario.streams, smCount: gpu.smCount, cost: opCost, syncUs: gpu.kernelLatencyUs,
                               partitionGranularity: Policies.greenContextGranularity(ccMajor: gpu.ccMajor))
    }

    public func options(iteration: Int, recordBlocks: Bool = true) -> SimulationOptions {
        var o = SimulationOptions()
        o.launch = scenario.launch
        o.connections = scenario.connections
        o.seed = scenario.seed
        o.iteration = iteration
        o.recordBlocks = recordBlocks
        return o
    }

    /// Simulates one iteration under `policy`.
    public func simulate(_ policy: PolicyKind, iteration: Int = 0, recordBlocks: Bool = true) throws -> (Schedule, Trace) {
        try simulate(schedule: schedule(policy), iteration: iteration, recordBlocks: recordBlocks)
    }

    /// Simulates one iteration under a given schedule (one read from a schedule file, say).
    public func simulate(schedule s: Schedule, iteration: Int = 0, recordBlocks: Bool = true) throws -> (Schedule, Trace) {
        let t = try Simulator(kernels: kernels, schedule: s, gpu: gpu, options: options(iteration: iteration, recordBlocks: recordBlocks)).run()
        return (s, t)
    }

    /// Metrics of a trace, against a serial baseline iteration time (µs).
    public func metrics(_ trace: Trace, schedule: Schedule, serialUs: Double) -> IterationMetrics {
        let t = max(trace.iterationTime, 1e-9)
        let util = trace.smBusy.reduce(0, +) / Double(max(trace.smBusy.count, 1))
        return IterationMetrics(iterationMs: t / 1000, serialMs: serialUs / 1000, speedupVsSerial: serialUs / t,
                                criticalPathMs: criticalPathUs / 1000, smUtilization: util, perSMUtilization: trace.smBusy,
                                achievedConcurrency: trace.activeTime > 0 ? trace.runningIntegral / trace.activeTime : 0,
                                peakConcurrentKernels: trace.peakConcurrentKernels, hostBoundMs: trace.hostBoundTime / 1000,
                                kernels: kernels.kernels.count, blocks: trace.totalBlocks, streamsUsed: schedule.streamCount)
    }

    /// Simulates a given schedule and the serial baseline for one iteration.
    public func run(schedule fixed: Schedule, iteration: Int = 0, recordBlocks: Bool = true) throws -> IterationResult {
        let (s, t) = try simulate(schedule: fixed, iteration: iteration, recordBlocks: recordBlocks)
        let serialUs = try serialBaselineUs()
        return IterationResult(policy: s.policy, iteration: iteration, schedule: s, trace: t, metrics: metrics(t, schedule: s, serialUs: serialUs))
    }

    /// Simulates `policy` and the serial baseline for one iteration and returns both the trace and its metrics.
    public func run(_ policy: PolicyKind, iteration: Int = 0, recordBlocks: Bool = true) throws -> IterationResult {
        let (s, t) = try simulate(policy, iteration: iteration, recordBlocks: recordBlocks)
        let serialUs = try serialBaselineUs()
        return IterationResult(policy: policy, iteration: iteration, schedule: s, trace: t, metrics: metrics(t, schedule: s, serialUs: serialUs))
    }
}

/// One simulated iteration with its schedule, trace and metrics.
public struct IterationResult: Sendable {
    public var policy: PolicyKind
    public var iteration: Int
    public var schedule: Schedule
    public var trace: Trace
    public var metrics: IterationMetrics
}
