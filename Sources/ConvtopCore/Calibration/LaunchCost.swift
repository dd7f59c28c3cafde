import Foundation

/// Round 21 (`Assets/calibration/round21/launch_cost.jsonl`, `measure_launch_cost.py`): 256 tiny ops of one kind in
/// one CUDA Graph as 1–16 independent chains, timed on the device alone in a process that never ran the profiler,
/// three interleaved passes. PyTorch's own kernels (ReLU, max pooling, depthwise convolution) beside the libraries'
/// (cuDNN batch norm and convolutions, cuBLAS); with many chains of short kernels the front end is what limits them.
/// Measured after session 20's change to graph hardware queues; nothing is fitted on it.
public enum LaunchCost {
    struct Record: Decodable {
        var kind: String
        var op: String?, streams: Int?, ops: Int?, pass: Int?
        var graphDeviceMs: Double?, emptyGraphDeviceMs: Double?
        var shape: [Int]?
        var kernels: [OpKernel]?
        struct OpKernel: Decodable { var name: String }
        enum CodingKeys: String, CodingKey {
            case kind, op, streams, ops, pass, shape, kernels
            case graphDeviceMs = "graph_device_ms", emptyGraphDeviceMs = "empty_graph_device_ms"
        }
    }

    /// One op kind at one chain count: µs per kernel on the device (the graph's device time over its kernels), and
    /// the speedup over one chain, measured (median of the passes) and simulated.
    public struct Row: Sendable {
        public var op: String
        public var streams: Int
        public var kernelsPerOp: Int
        public var measuredUs: Double, simulatedUs: Double
        public var speedupMeasured: Double, speedupSimulated: Double
        public var error: Double { simulatedUs / measuredUs - 1 }
        public var speedupError: Double { speedupSimulated - speedupMeasured }
    }

    static let file = "launch_cost.jsonl", folder = "/round21/"

    /// The chains' graph: `streams` inputs of `shape`, each followed by `ops / streams` ops of kind `op` in a row;
    /// nil for a kind convtop's graphs do not hold (a scalar add).
    static func graph(op: String, shape: [Int], streams: Int, ops: Int) -> Graph? {
        var b = GraphBuilder(name: "launch_cost_\(op)")
        let step: ((inout GraphBuilder, Int) -> Int)
        switch op {
        case "relu": step = { $0.relu($1) }
        case "max_pool_3x3": step = { $0.maxPool($1, k: 3, s: 1, p: 1) }
        case "depthwise_3x3": step = { b, x in b.conv(x, shape[1], k: 3, p: 1, groups: shape[1]) }
        case "batchnorm": step = { $0.bn($1) }
        case "linear_64": step = { b, x in b.linear(x, shape[1], bias: false) }
        default:
            // conv_KxK_cC: a dense convolution keeping C channels.
            let parts = op.split(separator: "_")
            guard parts.count == 3, parts[0] == "conv", let k = Int(parts[1].prefix { $0 != "x" }) else { return nil }
            step = { b, x in b.conv(x, shape[1], k: k, p: k / 2) }
        }
        for i in 0..<streams {
            var y = b.input(shape, name: "x\(i)")
            for _ in 0..<(ops / streams) { y = step(&b, y) }
        }
        return b.build()
    }

    /// Every op kind and chain count of the file, simulated on `profile` as timed: on the device alone, its replay
    /// floor the empty graph's in the same run, in a clean process.
    public static func rows(gpu profile: GPUSpec) throws -> [Row] {
        let recs = try MeasuredRuns.required(file, as: Record.self, sub: folder)
        let floors = recs.filter { $0.kind == "floor" }.compactMap(\.emptyGraphDeviceMs).sorted()
        let gpu = profile.timedOnDevice(floorUs: floors.isEmpty ? 0 : floors[floors.count / 2] * 1000)
        struct Case: Hashable { var op: String, streams: Int }
        var measured: [Case: [Double]] = [:]
        for r in recs where r.kind == "chains" {
            guard let op = r.op, let s = r.streams, let ms = r.graphDeviceMs else { continue }
            measured[Case(op: op, streams: s), default: []].append(ms * 1000)
        }
        let ops = recs.first { $0.kind == "chains" }?.ops ?? defaultOps
        let kinds = recs.filter { $0.kind == "op" }
        let cases = measured.keys.sorted { ($0.op, $0.streams) < ($1.op, $1.streams) }
        let sims = try parallelMap(cases.count) { i -> Double? in
            let c = cases[i]
            guard let shape = kinds.first(where: { $0.op == c.op })?.shape,
                  let g = graph(op: c.op, shape: shape, streams: c.streams, ops: ops) else { return nil }
            var sc = Scenario()
            sc.gpu = gpu.name; sc.streams = c.streams; sc.launch = .graph
            let w = try Workload(graph: g, scenario: sc, gpu: gpu)
            return try w.simulate(c.streams == 1 ? .serial : .branch, recordBlocks: false).1.iterationTime
        }
        var rows: [Row] = []
        for (i, c) in cases.enumerated() {
            guard let sim = sims[i], let one = cases.firstIndex(of: Case(op: c.op, streams: 1)), let oneSim = sims[one],
                  let k = kinds.first(where: { $0.op == c.op })?.kernels?.count, k > 0 else { continue }
            guard let meas = FrontEndSharing.median(measured[c] ?? []), let oneMeas = FrontEndSharing.median(measured[cases[one]] ?? []) else { continue }
            let n = Double(ops * k)
            rows.append(Row(op: c.op, streams: c.streams, kernelsPerOp: k, measuredUs: meas / n, simulatedUs: sim / n,
                            speedupMeasured: oneMeas / meas, speedupSimulated: oneSim / sim))
        }
        return rows
    }

    /// Ops per graph where a record does not say (the script's 256).
    static let defaultOps = 256
}
