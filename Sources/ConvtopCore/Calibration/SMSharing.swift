import Foundation

/// Round 25: how one SM's throughput is shared among co-resident blocks (`Assets/calibration/round25/sm_sharing.jsonl`,
/// `measure_sm_sharing.py`). A probe kernel of 4 warps runs exactly B blocks on every SM, B = 1–16, each warp issuing
/// a fixed number of TF32 tensor-core products (`mma.sync`, as the sm80 kernels cuDNN runs on the H200) or FP32
/// fused multiply-adds, with 1–4 independent chains (ILP). convtop prices the same grids with the probe's time at
/// B = 1 pinned and says what B blocks take: its share rule (warps over the resident warps, never over the class's
/// saturation warps) against the measured block time. Nothing is fitted on it.
public struct SMSharing: Sendable {
    /// One measured case: what every block of a grid of `blocksPerSM` blocks per SM did, median block time.
    public struct Point: Sendable, Decodable {
        public var kind: String
        public var ilp: Int
        public var blocksPerSM: Int, warpsPerSM: Int, smem: Int
        public var blockUs: Double
        /// Whether every SM held exactly `blocksPerSM` of the grid's blocks (read off each block's %smid).
        public var everySMHeldB: Bool
        enum CodingKeys: String, CodingKey {
            case kind, ilp, smem, blocksPerSM = "blocks_per_sm", warpsPerSM = "warps_per_sm", blockUs = "block_us"
            case everySMHeldB = "every_sm_B_blocks"
        }
    }

    /// The instruction a probe issues, and the kernel class convtop would give a kernel doing that work.
    public enum Probe: String, Sendable, CaseIterable {
        case mma, ffma
        var kernelClass: KernelClass { self == .mma ? .tensorGemm : .cudaCore }
    }

    /// One case against the model: block time measured and simulated, and the SM's throughput at B blocks as a
    /// multiple of one block's.
    public struct Row: Sendable {
        public var probe: Probe
        public var ilp: Int, warpsPerSM: Int
        public var measuredUs: Double, simulatedUs: Double
        public var measuredGain: Double, simulatedGain: Double
        /// Simulated / measured block time − 1.
        public var error: Double { simulatedUs / measuredUs - 1 }
    }

    /// The warps per SM at which a probe first reaches `share` of the best throughput it reached at any B.
    public static func saturationWarps(_ rows: [Row], share: Double = 0.9) -> Int? {
        guard let best = rows.map(\.measuredGain).max() else { return nil }
        return rows.sorted { $0.warpsPerSM < $1.warpsPerSM }.first { $0.measuredGain >= share * best }?.warpsPerSM
    }

    /// The shipped measurement, every probe kind (the spin probe included); empty when the set is not shipped.
    public static func points() throws -> [Point] {
        try MeasuredRuns.lines("sm_sharing.jsonl", as: Point.self, sub: "/round25/")
    }

    /// Every probe case with its B = 1 case, simulated on `gpu`; empty when the set is not shipped.
    public static func run(gpu: GPUSpec) throws -> [Row] {
        let points = try points()
        let timing = TimingModel(gpu: gpu)
        var rows: [Row] = []
        for probe in Probe.allCases {
            for ilp in Set(points.filter { $0.kind == probe.rawValue }.map(\.ilp)).sorted() {
                let cases = points.filter { $0.kind == probe.rawValue && $0.ilp == ilp }.sorted { $0.blocksPerSM < $1.blocksPerSM }
                guard let one = cases.first, one.blocksPerSM == 1, one.blockUs > 0 else { continue }
                // The probe's grid; its work is arbitrary (the pinned time sets the rate), per block the same at every B.
                func kernel(_ p: Point) -> Kernel {
                    Kernel(id: 0, op: 0, name: "\(probe.rawValue)_probe", kernelClass: probe.kernelClass,
                           grid: Dim3(gpu.smCount * p.blocksPerSM), block: Dim3(128), registersPerThread: 32,
                           sharedMemoryPerBlock: p.smem, flops: 1e9 * Double(gpu.smCount * p.blocksPerSM), bytes: 0,
                           precision: .tf32, deps: [])
                }
                var base = kernel(one)
                base.timeScale = timing.timeScale(base, toUs: one.blockUs + gpu.kernelLatencyUs)
                for p in cases {
                    var k = kernel(p)
                    k.timeScale = base.timeScale
                    let sim = timing.scaledStandaloneUs(k)
                    rows.append(Row(probe: probe, ilp: ilp, warpsPerSM: p.warpsPerSM, measuredUs: p.blockUs, simulatedUs: sim,
                                    measuredGain: Double(p.blocksPerSM) * one.blockUs / p.blockUs,
                                    simulatedGain: Double(p.blocksPerSM) * one.blockUs / sim))
                }
            }
        }
        return rows
    }
}

/// Round 25's dispatch probe (`Assets/calibration/round25/dispatch_order.jsonl`, `measure_dispatch_order.py`): grid A
/// (132 × 8 blocks, four an SM by their shared memory, two waves of 20 µs) and then grid B (132 blocks that fit beside
/// A's) on another stream or graph branch. The in-order dispatcher holds B until A's last block is dispatched; convtop
/// runs the same two grids as two branches of one CUDA Graph and says when B's first block starts.
public struct DispatchOrder: Sendable {
    /// One measured case: grids, shared memory, and the medians of when A's last and B's first block started (µs after
    /// A's first block).
    public struct Point: Sendable, Decodable {
        public var name: String
        public var gridA: Int, gridB: Int, smemA: Int, smemB: Int
        public var spinAUs: Double, spinBUs: Double
        public var aLastStartUs: Double, bFirstStartUs: Double
        enum CodingKeys: String, CodingKey {
            case name = "case", gridA = "grid_a", gridB = "grid_b", smemA = "smem_a", smemB = "smem_b"
            case spinAUs = "spin_a_us", spinBUs = "spin_b_us", aLastStartUs = "a_last_start_us", bFirstStartUs = "b_first_start_us"
        }
    }

    /// A case against the simulator: B's first block after A's, measured and simulated (µs).
    public struct Row: Sendable {
        public var point: Point
        public var simulatedBStartUs: Double
    }

    public static func points() throws -> [Point] {
        try MeasuredRuns.lines("dispatch_order.jsonl", as: Point.self, sub: "/round25/")
    }

    /// Every case simulated on `gpu`: the two spin grids as two branches, each pinned to its measured spin per wave.
    public static func run(gpu: GPUSpec) throws -> [Row] {
        try points().map { p in
            var b = GraphBuilder(name: "dispatch-order")
            _ = b.relu(b.input([1, 32, 1, 1], name: "a"), name: "A")
            _ = b.relu(b.input([1, 32, 1, 1], name: "b"), name: "B")
            var sc = Scenario()
            sc.gpu = gpu.name; sc.streams = 2; sc.launch = .graph
            var kg = Lowering.lower(b.build(), gpu: gpu, precision: sc.precision, catalog: .none)
            let timing = TimingModel(gpu: gpu)
            var startOf: [String: Int] = [:]
            for i in kg.kernels.indices {
                let isA = kg.graph.nodes[kg.kernels[i].op].name == "A"
                kg.kernels[i].grid = Dim3(isA ? p.gridA : p.gridB)
                kg.kernels[i].block = Dim3(128)
                kg.kernels[i].registersPerThread = 32
                kg.kernels[i].sharedMemoryPerBlock = isA ? p.smemA : p.smemB
                let waves = isA ? Double(p.gridA) / Double(gpu.smCount * 4) : 1
                timing.pin(&kg.kernels[i], toUs: (isA ? p.spinAUs : p.spinBUs) * max(1, waves.rounded(.up)) + gpu.kernelLatencyUs)
                startOf[isA ? "A" : "B"] = i
            }
            let w = try Workload(kernels: kg, scenario: sc, gpu: gpu, structureSource: nil, trace: nil)
            let t = try w.simulate(.branch, recordBlocks: false).1
            func start(_ k: Int?) -> Double { t.kernels.first { $0.kernel == k }?.start ?? .nan }
            return Row(point: p, simulatedBStartUs: start(startOf["B"]) - start(startOf["A"]))
        }
    }
}
