import Foundation

/// Round 28 (`Assets/calibration/round28/smem_config.jsonl`, `measure_smem_config.py`): grid A, one 128-thread block
/// an SM asking for `smemA` bytes of shared memory, spins 20 µs; grid B, the same asking for `smemB`, follows 2 µs later
/// on another branch of one CUDA Graph. Where B's blocks join A's on their SMs, B starts about 3.7 µs after A; where
/// they wait for A's blocks to leave, about 20.2 µs after. With the split of on-chip memory left to the driver, they
/// join exactly where A's split (`BlockFootprint.carveout`) is at least B's and holds both; asked for the largest
/// split, every pair joins. convtop runs the pairs left to the driver as two branches and says when B starts.
public struct SharedMemorySplits: Sendable {
    /// One measured pair.
    public struct Point: Sendable, Decodable {
        public var smemA: Int, smemB: Int
        /// Whether A and B were two kernel functions (or one launched twice), and whether both asked for the largest split.
        public var twoFunctions: Bool, maxCarveout: Bool
        /// Medians over five replays: B's first block after A's first (µs), and the pair's span.
        public var bFirstStartUs: Double, spanUs: Double
        /// In the last replay, B's blocks that started on an SM before A's block there had ended.
        public var bBlocksBesideA: Int
        enum CodingKeys: String, CodingKey {
            case smemA = "smem_a", smemB = "smem_b", twoFunctions = "two_functions", maxCarveout = "max_carveout"
            case bFirstStartUs = "b_first_start_us", spanUs = "span_us", bBlocksBesideA = "b_blocks_beside_a"
        }
        /// Whether B's blocks joined A's (all of them did or none did in every case).
        public var joined: Bool { bBlocksBesideA > 0 }
    }

    /// A pair against the simulator.
    public struct Row: Sendable {
        public var point: Point
        /// When B's first block started after A's in convtop (µs), and whether that is beside A's blocks.
        public var simulatedBStartUs: Double
        /// The splits convtop gives A and B (bytes of shared memory).
        public var splitA: Int, splitB: Int
        public var simulatedJoined: Bool { simulatedBStartUs < Self.joinedBeforeUs }
        /// B starts before A's blocks end (20 µs) when it joins them.
        public static let joinedBeforeUs = 10.0
    }

    public static func points() throws -> [Point] {
        try MeasuredRuns.lines("smem_config.jsonl", as: Point.self, sub: "/round28/")
    }

    /// The pairs whose split the driver chose (one row per shared-memory pair: the one- and two-function runs agree),
    /// simulated on `gpu` as two branches of one graph, each grid pinned to its 20 µs spin.
    public static func run(gpu: GPUSpec) throws -> [Row] {
        let measured = try points().filter { !$0.maxCarveout && $0.twoFunctions }
        return try parallelMap(measured.count) { i in
            let p = measured[i]
            @Sendable func shape(_ k: inout Kernel, smem: Int, timing: TimingModel) {
                FidelityReport.makeProbe(&k, blocks: gpu.smCount, sharedMemory: smem, us: 20 + gpu.kernelLatencyUs, timing: timing)
            }
            let bStart = try FidelityReport.probePairStart(gpu: gpu) { isA, k, timing in shape(&k, smem: isA ? p.smemA : p.smemB, timing: timing) }
            // The split of the same probe kernel the simulation ran.
            func split(_ smem: Int) -> Int {
                var k = Kernel(id: 0, op: 0, name: "probe", kernelClass: .elementwise, grid: Dim3(1), block: Dim3(1), registersPerThread: 0,
                               sharedMemoryPerBlock: 0, flops: 0, bytes: 0, precision: .fp32, deps: [])
                shape(&k, smem: smem, timing: TimingModel(gpu: gpu))
                return BlockFootprint(kernel: k, gpu: gpu).carveout(gpu)
            }
            return Row(point: p, simulatedBStartUs: bStart, splitA: split(p.smemA), splitB: split(p.smemB))
        }
    }
}
