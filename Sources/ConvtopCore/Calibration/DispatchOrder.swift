import Foundation

/// Round 25's dispatch probe (`Assets/calibration/round25/dispatch_order.jsonl`, `measure_dispatch_order.py`): grid A
/// (132 × 8 blocks, four an SM by their shared memory, two waves of 20 µs) and then grid B (132 blocks that fit beside
/// A's) on another stream or graph branch. The in-order dispatcher holds B until A's last block is dispatched; convtop
/// runs the same two grids as two branches of one CUDA Graph and says when B's first block starts.
public struct DispatchOrder: Sendable {
    /// How A and B were launched: plain streams (B has A's undispatched blocks ahead of it), two branches of one CUDA
    /// Graph (the same), A of one wave only (nothing ahead of B), or B asking for A's shared memory (no room beside A).
    public enum Case: String, Sendable, Decodable {
        case streams, graph
        case oneWave = "one_wave", noRoom = "no_room"
    }

    /// One measured case: grids, shared memory, and the medians of when A's last and B's first block started (µs after
    /// A's first block).
    public struct Point: Sendable, Decodable {
        public var name: Case
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
            let bStart = try FidelityReport.probePairStart(gpu: gpu) { isA, k, timing in
                let waves = isA ? (Double(p.gridA) / Double(gpu.smCount * 4)).rounded(.up) : 1
                FidelityReport.makeProbe(&k, blocks: isA ? p.gridA : p.gridB, sharedMemory: isA ? p.smemA : p.smemB,
                                         us: (isA ? p.spinAUs : p.spinBUs) * max(1, waves) + gpu.kernelLatencyUs, timing: timing)
            }
            return Row(point: p, simulatedBStartUs: bStart)
        }
    }
}
