import Foundation

/// How close the simulator comes to the round-2 measurements: serial iteration time and multi-stream speedup for
/// every measured network, and the speedup of independent convolution chains on 2 and 4 streams.
public struct FidelityReport: Sendable {
    /// One network iteration, simulated against measured (CUDA Graph replay).
    public struct NetworkRow: Sendable {
        public var label: String
        public var serialMeasuredMs: Double, serialSimulatedMs: Double
        public var speedupMeasured: Double?, speedupSimulated: Double
        public var serialError: Double { serialSimulatedMs / serialMeasuredMs - 1 }
        public var speedupError: Double? { speedupMeasured.map { speedupSimulated - $0 } }
    }
    /// One concurrency case: N independent chains, one stream versus N streams.
    public struct ChainRow: Sendable {
        public var label: String
        public var streams: Int
        public var speedupMeasured: Double, speedupSimulated: Double
        /// One stream and N streams, measured and simulated (µs).
        public var serialMeasuredUs: Double, parallelMeasuredUs: Double, serialSimulatedUs: Double, parallelSimulatedUs: Double
        public var speedupError: Double { speedupSimulated - speedupMeasured }
    }
    /// One front-end case: tiny kernels of `blocks` blocks as `streams` independent chains (µs per kernel after the
    /// graph-launch floor), and the speedup over the same kernels as one chain.
    public struct FrontEndRow: Sendable {
        public var blocks: Int, streams: Int
        public var perKernelMeasuredUs: Double, perKernelSimulatedUs: Double
        public var speedupMeasured: Double, speedupSimulated: Double
        public var speedupError: Double { speedupSimulated - speedupMeasured }
        public var perKernelError: Double { perKernelSimulatedUs / perKernelMeasuredUs - 1 }
    }
    public var networks: [NetworkRow]
    public var chains: [ChainRow]
    /// The front-end microbenchmark (`MeasuredRuns.frontEnd`).
    public var frontEnd: [FrontEndRow] = []
    /// convtop's zoo graphs run in PyTorch (`MeasuredRuns.zoo`).
    public var zoo: [NetworkRow] = []

    /// Median and worst of absolute values.
    public static func medianWorst(_ xs: [Double]) -> (median: Double, worst: Double) {
        let a = xs.map(abs).sorted()
        guard !a.isEmpty else { return (0, 0) }
        let m = a.count % 2 == 1 ? a[a.count / 2] : (a[a.count / 2 - 1] + a[a.count / 2]) / 2
        return (m, a.last!)
    }

    /// Speedup errors of every row that has a measured speedup (networks and chains).
    public var speedupErrors: [Double] { fittedSpeedupErrors + frontEndSpeedupErrors }
    /// Speedup errors of the sets the parameter fit sees: networks, zoo graphs and chains.
    public var fittedSpeedupErrors: [Double] { (networks + zoo).compactMap(\.speedupError) + chains.map(\.speedupError) }
    /// Speedup errors of the front-end cases with more than one chain (one chain is each case's baseline).
    public var frontEndSpeedupErrors: [Double] { Self.multiChainSpeedupErrors(frontEnd) }

    /// Speedup errors of front-end rows with more than one chain (one chain is each case's baseline).
    public static func multiChainSpeedupErrors(_ rows: [FrontEndRow]) -> [Double] {
        rows.filter { $0.streams > 1 }.map(\.speedupError)
    }
    public var serialErrors: [Double] { (networks + zoo).map(\.serialError) }

    /// Simulates every measured case on `gpu` (default: the H200 profile the measurements came from).
    public static func run(gpu: GPUSpec? = nil, networkFilter: (MeasuredRuns.Network) -> Bool = { _ in true },
                           chainFilter: (MeasuredRuns.Chains) -> Bool = { _ in true }, frontEnd: Bool = true) throws -> FidelityReport {
        let g = try gpu ?? GPUCatalog.load("h200")
        let nets = try MeasuredRuns.networks().filter { $0.serialGraphMs != nil && networkFilter($0) }
        let chains = try MeasuredRuns.chains().filter(chainFilter)
        // Each case is independent and deterministic: results land at their index whatever the thread count.
        let netRows = try parallelMap(nets.count) { i in try network(nets[i], gpu: g) }
        let chainRows = try parallelMap(chains.count) { i in try chainCase(chains[i], gpu: g) }
        let zoo = try MeasuredRuns.zoo().filter { $0.serialGraphMs != nil && networkFilter($0) }
        // measure_catalog.py times the zoo's graphs before it profiles any op: a process that never profiled.
        let clean = g.inCleanProcess
        let zooRows = try parallelMap(zoo.count) { i in try network(zoo[i], gpu: clean) }
        // The front-end benchmark is measured into the profile, not fitted: the fit's evaluations skip it.
        let fe = frontEnd ? try frontEndRows(gpu: g) : []
        return FidelityReport(networks: netRows, chains: chainRows.flatMap { $0 }, frontEnd: fe, zoo: zooRows)
    }

    /// The graph of a front-end case: `kernels` ReLUs on `blocks` × 1024 elements (one block each 1024, as PyTorch's
    /// vectorised kernel), as `streams` independent chains, in the benchmark's launch order: one step of every chain,
    /// then the next step. (Built chain after chain, the 16-chain cases queued chains 8–15 behind the whole of
    /// chains 0–7 on the 8 hardware queues, where the measurement shows all 16 tensors taking turns in the L2.)
    static func frontEndGraph(blocks: Int, streams: Int, kernels: Int) -> Graph {
        var b = GraphBuilder(name: "frontend")
        var ys = (0..<streams).map { b.input([1, blocks * 1024, 1, 1], name: "input\($0)") }
        for _ in 0..<(kernels / streams) {
            for i in ys.indices { ys[i] = b.relu(ys[i]) }
        }
        return b.build()
    }

    /// One front-end case simulated as the benchmark runs it: in-place adds (each kernel touches one tensor, half
    /// the bytes it moves), one CUDA Graph, one stream per chain (the branch rule; serial for one chain).
    static func frontEndTrace(blocks: Int, streams: Int, kernels: Int, gpu: GPUSpec, kernelUs: Double? = nil) throws -> Trace {
        // The benchmark's own kernel (an in-place add) where its profiled time is known, not the catalog's ReLU
        // (1.12 µs against the add's 0.86 for one block).
        try benchmarkTrace(frontEndGraph(blocks: blocks, streams: streams, kernels: kernels), streams: streams, gpu: gpu) { _ in kernelUs }
    }

    /// A calibration benchmark's graph simulated as it ran: one CUDA Graph, one stream per independent chain (serial
    /// for one), every kernel in place (each touches one tensor), and the kernels `pinnedUs` gives a time to (the
    /// benchmark's own adds and spins, measured) taking it instead of the catalog's.
    static func benchmarkTrace(_ graph: Graph, streams: Int, connections: Int? = nil, gpu: GPUSpec,
                               pinnedUs: (Node) -> Double?) throws -> Trace {
        try graphTrace(graph, streams: streams, connections: connections, gpu: gpu) { kg, timing in
            for i in kg.kernels.indices {
                kg.kernels[i].inPlace = true
                if let us = pinnedUs(kg.graph.nodes[kg.kernels[i].op]) { timing.pin(&kg.kernels[i], toUs: us) }
            }
        }.trace
    }

    /// A measured set's graph simulated as one CUDA Graph replay, one stream per independent chain (serial for one):
    /// lowered with the GPU's catalog (or the model alone), then `adjust`ed (a benchmark's own kernels put in place of
    /// the catalog's), in the process the set was measured in.
    static func graphTrace(_ graph: Graph, streams: Int, connections: Int? = nil, process: ProcessState? = nil,
                           catalog: Bool = true, gpu: GPUSpec, recordBlocks: Bool = false,
                           adjust: (inout KernelGraph, TimingModel) -> Void) throws -> (kernels: KernelGraph, trace: Trace) {
        var sc = Scenario()
        sc.gpu = gpu.name; sc.streams = streams; sc.launch = .graph; sc.connections = connections; sc.process = process
        var kg = Lowering.lower(graph, gpu: gpu, precision: sc.precision, catalog: catalog ? Workload.catalog(sc, gpu) : .none)
        adjust(&kg, TimingModel(gpu: gpu))
        let w = try Workload(kernels: kg, scenario: sc, gpu: gpu, structureSource: nil, trace: nil)
        return (kg, try w.simulate(streams == 1 ? .serial : .branch, recordBlocks: recordBlocks).1)
    }

    /// Makes `k` a calibration probe: `blocks` blocks of 128 threads (32 registers each, `sharedMemory` bytes of shared
    /// memory a block) that alone take `us` (the launch latency included).
    static func makeProbe(_ k: inout Kernel, blocks: Int, sharedMemory: Int, us: Double, timing: TimingModel) {
        k.grid = Dim3(blocks)
        k.block = Dim3(128)
        k.registersPerThread = 32
        k.sharedMemoryPerBlock = sharedMemory
        timing.pin(&k, toUs: us)
    }

    /// Two probe grids A and B as two branches of one CUDA Graph on `gpu` (each kernel shaped by `shape`, told whether it
    /// is A's): when B's first block started after A's (µs).
    static func probePairStart(gpu: GPUSpec, shape: @escaping @Sendable (_ isA: Bool, _ kernel: inout Kernel, _ timing: TimingModel) -> Void) throws -> Double {
        var b = GraphBuilder(name: "probe-pair")
        let a = b.relu(b.input([1, 32, 1, 1], name: "a"), name: "A")
        _ = b.relu(b.input([1, 32, 1, 1], name: "b"), name: "B")
        var kernelA = -1, kernelB = -1
        let t = try graphTrace(b.build(), streams: 2, catalog: false, gpu: gpu) { kg, timing in
            for k in kg.kernels.indices {
                let isA = kg.kernels[k].op == a
                shape(isA, &kg.kernels[k], timing)
                if isA { kernelA = k } else { kernelB = k }
            }
        }.trace
        func start(_ k: Int) -> Double { t.kernels.first { $0.kernel == k }?.start ?? .nan }
        return start(kernelB) - start(kernelA)
    }

    /// Every front-end case simulated with as many streams as it has chains (branch rule), per kernel after the
    /// graph launch, and its speedup over the one-chain case of the same block count.
    static func frontEndRows(gpu: GPUSpec, cases: [MeasuredRuns.FrontEnd]? = nil) throws -> [FrontEndRow] {
        let cases = try cases ?? MeasuredRuns.frontEnd()
        let sims = try parallelMap(cases.count) { i -> Double in
            let c = cases[i]
            let t = try frontEndTrace(blocks: c.blocks!, streams: c.streams!, kernels: c.kernels!, gpu: gpu, kernelUs: c.kernelUs).iterationTime
            return (t - gpu.graphDeviceStartUs) / Double(c.kernels!)
        }
        var rows: [FrontEndRow] = []
        for (i, c) in cases.enumerated() {
            guard let one = cases.indices.first(where: { cases[$0].blocks == c.blocks && cases[$0].streams == 1 }) else { continue }
            rows.append(FrontEndRow(blocks: c.blocks!, streams: c.streams!, perKernelMeasuredUs: c.perKernelUs!, perKernelSimulatedUs: sims[i],
                                    speedupMeasured: cases[one].perKernelUs! / c.perKernelUs!, speedupSimulated: sims[one] / sims[i]))
        }
        return rows
    }

    static func network(_ m: MeasuredRuns.Network, gpu: GPUSpec) throws -> NetworkRow {
        try networkRow(model: m.model, label: m.label, batch: m.batch, mode: m.graphMode, serialMs: m.serialGraphMs!,
                       branchMs: m.branchGraphMs, gpu: gpu, simulateBranch: true)
    }

    /// One measured network iteration against the simulator: serial and branch rule, CUDA Graph replay. Without a
    /// measured branch time the branch run is skipped unless `simulateBranch` (the speedup column then shows 1).
    static func networkRow(model: String, label: String, batch: Int, mode: GraphMode, serialMs: Double, branchMs: Double?,
                           gpu: GPUSpec, simulateBranch: Bool) throws -> NetworkRow {
        var s = Scenario()
        s.model = model; s.batch = batch; s.mode = mode; s.gpu = gpu.name; s.launch = .graph
        let w = try Workload(s, gpu: gpu)
        let serial = try w.simulate(.serial, recordBlocks: false).1.iterationTime / 1000
        let branch = branchMs == nil && !simulateBranch ? serial : try w.simulate(.branch, recordBlocks: false).1.iterationTime / 1000
        return NetworkRow(label: label, serialMeasuredMs: serialMs, serialSimulatedMs: serial,
                          speedupMeasured: branchMs.map { serialMs / $0 }, speedupSimulated: serial / branch)
    }

    /// The graph of a concurrency case: `n` independent chains, each from its own input.
    static func chainGraph(_ c: MeasuredRuns.Chains, n: Int) -> Graph {
        var b = GraphBuilder(name: "chains")
        if c.kind == "conv_beside_memory" {
            var y = b.input([c.batch, c.channels, c.map, c.map])
            for _ in 0..<2 { y = b.conv(y, c.channels, k: c.kernel, p: c.kernel / 2) }
            var z = b.input([1, c.memElements ?? 1, 1, 1], name: "big")
            for _ in 0..<2 { z = b.relu(z) }
            return b.build()
        }
        for i in 0..<n {
            var y = b.input([c.batch, c.channels, c.map, c.map], name: "input\(i)")
            for _ in 0..<(c.depth ?? 2) { y = b.conv(y, c.channels, k: c.kernel, p: c.kernel / 2) }
        }
        return b.build()
    }

    static func chainCase(_ c: MeasuredRuns.Chains, gpu: GPUSpec) throws -> [ChainRow] {
        var rows: [ChainRow] = []
        let cases: [(Int, Double?, Double?)] = c.kind == "conv_beside_memory"
            ? [(2, c.serialMs, c.streams2Ms)] : [(2, c.serial2Ms, c.streams2Ms), (4, c.serial4Ms, c.streams4Ms)]
        for (n, serial, parallel) in cases {
            guard let serial, let parallel else { continue }
            var sc = Scenario()
            sc.gpu = gpu.name; sc.streams = n; sc.launch = .graph
            let w = try Workload(graph: chainGraph(c, n: n), scenario: sc, gpu: gpu)
            let ss = try w.simulate(.serial, recordBlocks: false).1.iterationTime
            let sp = try w.simulate(.branch, recordBlocks: false).1.iterationTime
            rows.append(ChainRow(label: c.label, streams: n, speedupMeasured: serial / parallel, speedupSimulated: ss / sp,
                                 serialMeasuredUs: serial * 1000, parallelMeasuredUs: parallel * 1000, serialSimulatedUs: ss, parallelSimulatedUs: sp))
        }
        return rows
    }
}
