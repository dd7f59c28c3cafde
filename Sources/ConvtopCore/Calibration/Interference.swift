import Foundation

/// Round 25's interference probes (`Assets/calibration/round25/interference.jsonl`, `measure_interference.py`): what a
/// cuDNN convolution takes from the SMs it runs on. A probe of one block an SM (4 warps) that leans on one resource and
/// waits on its own results (tensor-core products, FMAs, DRAM loads, L2 loads, shared-memory loads) runs beside 200
/// back-to-back convolutions of one chain-grid shape, and alone; the convolutions are timed beside a stream of probes
/// too. convtop runs the same: the convolutions from the catalog on one graph branch, the probe (pinned to its time
/// alone, one block an SM) on another, in a clean process.
public struct Interference: Sendable {
    /// What a probe's warps wait on: one chain of tensor-core products, of FMAs, of loads from DRAM (a 1 GB buffer), of
    /// loads from the L2 (4 MB), or of shared-memory loads.
    public enum Probe: String, Sendable, Decodable {
        case mma, ffma, dram, l2, smem

        /// The kernel class convtop would give the probe's work.
        var kernelClass: KernelClass {
            switch self {
            case .mma: return .tensorGemm
            case .ffma: return .cudaCore
            case .dram, .l2, .smem: return .elementwise
            }
        }
    }

    /// One measured pair.
    public struct Point: Sendable, Decodable {
        public var batch: Int, channels: Int, map: Int, kernel: Int
        public var probe: Probe
        public var convUs: Double, convBesideProbeUs: Double
        public var probeAloneUs: Double, probeBesideConvUs: Double
        enum CodingKeys: String, CodingKey {
            case batch, channels, map, kernel, probe
            case convUs = "conv_us", convBesideProbeUs = "conv_beside_probe_us"
            case probeAloneUs = "probe_alone_us", probeBesideConvUs = "probe_beside_conv_us"
        }
        public var label: String { "b\(batch) c\(channels) \(map)×\(map) \(kernel)×\(kernel)" }
        public var convSlowdown: Double { convBesideProbeUs / convUs }
        public var probeSlowdown: Double { probeBesideConvUs / probeAloneUs }
    }

    /// A pair against the simulator: how much each side slows, measured and simulated.
    public struct Row: Sendable {
        public var point: Point
        public var simulatedConvSlowdown: Double, simulatedProbeSlowdown: Double
    }

    public static func points() throws -> [Point] {
        try MeasuredRuns.lines("interference.jsonl", as: Point.self, sub: "/round25/")
    }

    /// Convolutions in a chain (and, when `probes` > 0, a chain of probe kernels on a second branch), simulated as one
    /// CUDA Graph in a clean process: the convolutions' span and the probes' median duration while beside them (every
    /// probe's when there are no convolutions).
    static func simulate(_ p: Point, convs: Int, probes: Int, gpu: GPUSpec) throws -> (convSpan: Double, probeUs: Double) {
        var b = GraphBuilder(name: "interference")
        if convs > 0 {
            var y = b.input([p.batch, p.channels, p.map, p.map], name: "x")
            for _ in 0..<convs { y = b.conv(y, p.channels, k: p.kernel, p: p.kernel / 2) }
        }
        if probes > 0 {
            var z = b.input([1, 32, 1, 1], name: "z")
            for _ in 0..<probes { z = b.relu(z, name: "probe") }
        }
        var isProbe: [Bool] = []
        let t = try FidelityReport.graphTrace(b.build(), streams: probes > 0 && convs > 0 ? 2 : 1, process: .clean, gpu: gpu) { kg, timing in
            isProbe = kg.kernels.map { kg.graph.nodes[$0.op].name.hasPrefix("probe") }
            for i in kg.kernels.indices where isProbe[i] {
                kg.kernels[i].kernelClass = p.probe.kernelClass
                FidelityReport.makeProbe(&kg.kernels[i], blocks: gpu.smCount, sharedMemory: 8192,
                                         us: p.probeAloneUs + gpu.kernelLatencyUs, timing: timing)
            }
        }.trace
        let conv = t.kernels.filter { !isProbe[$0.kernel] }
        let first = conv.map(\.start).min() ?? 0, last = conv.map(\.end).max() ?? .infinity
        let beside = t.kernels.filter { isProbe[$0.kernel] && $0.start >= first && $0.end <= last }.map { $0.end - $0.start }.sorted()
        return (conv.isEmpty ? 0 : last - first, beside.isEmpty ? .nan : beside[beside.count / 2])
    }

    /// How long the simulated convolutions run back to back (µs): about 3 ms, so that even a probe slowed tenfold runs
    /// wholly beside them.
    static let besideUs = 3000.0

    /// How many convolutions the simulation chains for a point: about `besideUs` of them.
    static func convCount(_ p: Point) -> Int { min(1000, max(20, Int((besideUs / p.convUs).rounded(.up)))) }

    /// Every measured pair simulated on `gpu`: about 3 ms of convolutions, and beside them enough probes to cover them.
    /// The convolutions alone are simulated once a shape, the probes alone once a probe.
    public static func run(gpu: GPUSpec) throws -> [Row] {
        let points = try points()
        @Sendable func shapeKey(_ p: Point) -> String { "\(p.label) \(convCount(p))" }
        @Sendable func probeKey(_ p: Point) -> String { "\(p.probe.rawValue) \(p.probeAloneUs)" }
        var shapes: [String: Point] = [:], probes: [String: Point] = [:]
        for p in points {
            shapes[shapeKey(p)] = shapes[shapeKey(p)] ?? p
            probes[probeKey(p)] = probes[probeKey(p)] ?? p
        }
        let shapeList = Array(shapes), probeList = Array(probes)
        let convSpans = try parallelMap(shapeList.count) { try simulate(shapeList[$0].value, convs: convCount(shapeList[$0].value), probes: 0, gpu: gpu).convSpan }
        let probeUs = try parallelMap(probeList.count) { try simulate(probeList[$0].value, convs: 0, probes: 3, gpu: gpu).probeUs }
        let alone = Dictionary(uniqueKeysWithValues: zip(shapeList.map(\.key), convSpans))
        let probeAlone = Dictionary(uniqueKeysWithValues: zip(probeList.map(\.key), probeUs))
        return try parallelMap(points.count) { i -> Row in
            let p = points[i], span = alone[shapeKey(p)]!
            let both = try simulate(p, convs: convCount(p), probes: Int((span / p.probeAloneUs).rounded(.up)) + 3, gpu: gpu)
            return Row(point: p, simulatedConvSlowdown: both.convSpan / span, simulatedProbeSlowdown: both.probeUs / probeAlone[probeKey(p)]!)
        }
    }
}
