import Foundation

/// Round 27's block release (`Assets/calibration/round27/block_release.jsonl`, `measure_block_release.py`): 16 library
/// convolutions of the chain grid, each captured in a CUDA Graph between two marker kernels; per SM, when a probe
/// grid that needs a whole SM first started there (the convolution's last block on it had ended); the convolution
/// alone and two copies side by side on two branches. convtop runs the NCHW ones the same way (catalog kernels, clean
/// process, the device's own start-up); the channels-last ones run other kernels than convtop's NCHW lowering, so they
/// are listed measured only.
public struct BlockRelease: Sendable {
    /// One measured convolution.
    public struct Point: Sendable, Decodable {
        public var batch: Int, channels: Int, map: Int, kernel: Int
        public var channelsLast: Bool
        /// Between the markers (µs): the convolution alone, and two copies on two branches.
        public var aloneUs: Double, pairUs: Double
        /// When each SM was first free of the convolution's blocks, µs after the first marker, earliest first.
        public var releaseUs: [Double]
        public var kernels: [MeasuredKernel]
        public struct MeasuredKernel: Sendable, Decodable { public var name: String; public var us: Double }
        /// Measured after the dispatcher's change, as its check (`block_release_heldout.jsonl`).
        public var heldOut = false
        enum CodingKeys: String, CodingKey {
            case batch, channels, map, kernel, kernels, channelsLast = "channels_last", aloneUs = "alone_us", pairUs = "pair_us"
            case releaseUs = "release_us_by_rank"
        }
        public var label: String { "b\(batch) c\(channels) \(map)×\(map) \(kernel)×\(kernel)" + (channelsLast ? " NHWC" : "") }
        /// What two copies side by side gain over one after the other (twice one copy's time over the pair's).
        public var pairGain: Double { 2 * aloneUs / pairUs }

        /// The probes' own floor (µs after the first marker): a 5 µs spin on their branch and their launch. SMs free
        /// by then were never used or were freed earlier than the probe can tell.
        public static let probeFloorUs = 6.9
        /// When the convolution's first blocks start, µs after the first marker (the graph's next node).
        public static let startUs = 1.0

        /// The kernels it ran, memset nodes left out.
        public var launches: Int { kernels.filter { !KernelClassifier.isMemset($0.name) }.count }

        /// When the median SM the convolution held was free again, as a fraction of when its last one was (both after
        /// the convolution's start); nil where every SM was free by the probes' floor, and for a convolution of several
        /// kernels, whose later kernels wait in the dispatcher behind the probe grid.
        public var medianRelease: Double? {
            guard launches == 1 else { return nil }
            let held = releaseUs.filter { $0 > Self.probeFloorUs }
            guard let last = held.last, last > Self.startUs else { return nil }
            return (held[held.count / 2] - Self.startUs) / (last - Self.startUs)
        }
    }

    /// A measured convolution against the simulator (nil fields where it is not simulated).
    public struct Row: Sendable {
        public var point: Point
        public var simulatedGain: Double?
        public var simulatedMedianRelease: Double?
    }

    /// The first 16 convolutions, then the 25 held out.
    public static func points() throws -> [Point] {
        let heldOut = try MeasuredRuns.lines("block_release_heldout.jsonl", as: Point.self, sub: "/round27/").map { p -> Point in
            var p = p
            p.heldOut = true
            return p
        }
        return try MeasuredRuns.lines("block_release.jsonl", as: Point.self, sub: "/round27/") + heldOut
    }

    static func graph(_ p: Point, copies: Int) -> Graph {
        var b = GraphBuilder(name: "block-release")
        for i in 0..<copies {
            let x = b.input([p.batch, p.channels, p.map, p.map], name: "x\(i)")
            _ = b.conv(x, p.channels, k: p.kernel, p: p.kernel / 2)
        }
        return b.build()
    }

    /// One point simulated on `gpu` timed on the device alone: the pair's gain, and when the median SM the
    /// convolution's last kernel held ended its last block there, as a fraction of that kernel's span.
    static func simulate(_ p: Point, gpu: GPUSpec) throws -> (gain: Double, medianRelease: Double?) {
        let (_, alone) = try FidelityReport.graphTrace(graph(p, copies: 1), streams: 1, process: .clean, gpu: gpu,
                                                         recordBlocks: true) { _, _ in }
        let (_, pair) = try FidelityReport.graphTrace(graph(p, copies: 2), streams: 2, process: .clean, gpu: gpu) { _, _ in }
        guard let last = alone.kernels.max(by: { $0.end < $1.end }) else { return (1, nil) }
        var smEnd: [Int32: Double] = [:]
        for g in alone.groups where Int(g.kernel) == last.kernel { smEnd[g.sm] = max(smEnd[g.sm] ?? 0, g.end) }
        let ends = smEnd.values.sorted()
        let span = last.end - last.start
        let median = ends.isEmpty || span <= 0 ? nil : (ends[ends.count / 2] - last.start) / span
        return (2 * alone.iterationTime / pair.iterationTime, median)
    }

    /// Every point, the NCHW ones simulated on `gpu` (the second lease's device start-up of a replay in place of the
    /// host's launch: the markers time the device alone).
    public static func run(gpu: GPUSpec) throws -> [Row] {
        let points = try points()
        let device = gpu.timedOnDevice(floorUs: try DeviceSideRuns.graphFloorUs(pass: 0))
        return try parallelMap(points.count) { i in
            let p = points[i]
            guard !p.channelsLast else { return Row(point: p) }
            let s = try simulate(p, gpu: device)
            return Row(point: p, simulatedGain: s.gain, simulatedMedianRelease: s.medianRelease)
        }
    }
}
