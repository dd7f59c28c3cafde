import Foundation

/// Round 25: how one SM's throughput is shared among co-resident blocks (`Assets/calibration/round25/sm_sharing.jsonl`,
/// `measure_sm_sharing.py`). A probe kernel of 4 warps runs exactly B blocks on every SM, B = 1–16, each warp issuing
/// a fixed number of TF32 tensor-core products (`mma.sync`, as the sm80 kernels cuDNN runs on the H200) or FP32
/// fused multiply-adds, with 1–4 independent chains (ILP). convtop prices the same grids with the probe's time at
/// B = 1 pinned and says what B blocks take: its share rule (warps over the resident warps, never over the class's
/// saturation warps) against the measured block time. Nothing is fitted on it.
public struct SMSharing: Sendable {
    /// What a probe's warps do: issue products or FMAs, or wait on the clock (the check that blocks run together).
    public enum Kind: String, Sendable, Decodable {
        case mma, ffma, spin
    }

    /// One measured case: what every block of a grid of `blocksPerSM` blocks per SM did, median block time.
    public struct Point: Sendable, Decodable {
        public var kind: Kind
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
        var kind: Kind { self == .mma ? .mma : .ffma }
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
            for ilp in Set(points.filter { $0.kind == probe.kind }.map(\.ilp)).sorted() {
                let cases = points.filter { $0.kind == probe.kind && $0.ilp == ilp }.sorted { $0.blocksPerSM < $1.blocksPerSM }
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

