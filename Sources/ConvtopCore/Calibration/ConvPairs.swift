import Foundation

/// Round 25's convolution pairs (`Assets/calibration/round25/conv_pairs.jsonl`, `measure_conv_pairs.py`): every
/// ordered pair of the interference set's eight cuDNN convolutions, the first captured back to back in one CUDA Graph
/// replaying on one stream while the second's, about three times as long, replays on another; how much the first
/// slows. convtop runs the same two chains as two branches of one CUDA Graph (catalog kernels, clean process), the
/// measured counts of each.
public struct ConvPairs: Sendable {
    /// A convolution of the set: batch, channels in and out, square map, square window (padding keeps the map).
    public struct Shape: Sendable, Hashable, Decodable {
        public var batch: Int, channels: Int, map: Int, kernel: Int
        public init(from decoder: Decoder) throws {
            var c = try decoder.unkeyedContainer()
            batch = try c.decode(Int.self); channels = try c.decode(Int.self)
            map = try c.decode(Int.self); kernel = try c.decode(Int.self)
        }
        public var label: String { "b\(batch) c\(channels) \(map)×\(map) \(kernel)×\(kernel)" }
    }

    /// One measured pair: µs per convolution of the first, alone and beside the second, and the chains' lengths.
    public struct Point: Sendable, Decodable {
        public var first: Shape, second: Shape
        public var firstUs: Double, firstBesideUs: Double
        public var firstCount: Int, secondCount: Int
        enum CodingKeys: String, CodingKey {
            case first, second, firstUs = "first_us", firstBesideUs = "first_beside_us"
            case firstCount = "first_count", secondCount = "second_count"
        }
        public var slowdown: Double { firstBesideUs / firstUs }
    }

    /// A pair against the simulator.
    public struct Row: Sendable {
        public var point: Point
        public var simulatedSlowdown: Double
    }

    public static func points() throws -> [Point] {
        try MeasuredRuns.lines("conv_pairs.jsonl", as: Point.self, sub: "/round25/")
    }

    /// The first chain's span, alone or beside the second chain on another branch (µs).
    static func firstSpan(_ p: Point, beside: Bool, gpu: GPUSpec) throws -> Double {
        var b = GraphBuilder(name: "conv-pair")
        var firstOps: Set<Int> = []
        var y = b.input([p.first.batch, p.first.channels, p.first.map, p.first.map], name: "first")
        for _ in 0..<p.firstCount {
            y = b.conv(y, p.first.channels, k: p.first.kernel, p: p.first.kernel / 2)
            firstOps.insert(y)
        }
        if beside {
            var z = b.input([p.second.batch, p.second.channels, p.second.map, p.second.map], name: "second")
            for _ in 0..<p.secondCount { z = b.conv(z, p.second.channels, k: p.second.kernel, p: p.second.kernel / 2) }
        }
        let (kg, t) = try FidelityReport.graphTrace(b.build(), streams: beside ? 2 : 1, process: .clean, gpu: gpu) { _, _ in }
        let mine = t.kernels.filter { firstOps.contains(kg.kernels[$0.kernel].op) }
        return (mine.map(\.end).max() ?? 0) - (mine.map(\.start).min() ?? 0)
    }

    /// Every measured pair simulated on `gpu`.
    public static func run(gpu: GPUSpec) throws -> [Row] {
        let points = try points()
        return try parallelMap(points.count) { i in
            let p = points[i]
            return Row(point: p, simulatedSlowdown: try firstSpan(p, beside: true, gpu: gpu) / firstSpan(p, beside: false, gpu: gpu))
        }
    }
}
