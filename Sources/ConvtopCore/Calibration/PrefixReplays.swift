import Foundation

/// Round 14's node-by-node replays (`Assets/calibration/round14/prefix_replays.jsonl.gz`, written by
/// `Assets/calibration/measure_prefix_replays.py`): every prefix of convtop's zoo graphs of GoogLeNet, MobileNet-v2,
/// ResNet-50 and SqueezeNet at batch 1 and 4 (the first k nodes, k = 1 … all) captured as one CUDA Graph and replayed
/// serially behind a spin kernel, so what is timed is the device alone, the host's call hidden. T(k) − T(k−1) is node
/// k's time inside the network. convtop simulates the whole graph once: node k's simulated prefix is when its last
/// kernel ends (a serial replay's later kernels cannot move an earlier one's end).
public enum PrefixReplays {
    struct Record: Decodable {
        var kind: String, model: String, batch: Int
        var nodes: Int?, deviceMs: Double?
        enum CodingKeys: String, CodingKey { case kind, model, batch, nodes, deviceMs = "device_ms" }
    }

    /// One network at one batch: the whole replay and each node's share of it, measured and simulated.
    public struct Row: Sendable {
        public var model: String, batch: Int
        public var measuredMs: Double, simulatedMs: Double
        public var error: Double { simulatedMs / measuredMs - 1 }
        /// Per node (µs): the op family (`family`) and simulated minus measured time inside the network.
        public var nodeErrors: [(family: String, us: Double)]
    }

    /// The op families the table shows, in order, by the graph's op kind.
    public static let families = ["conv", "batch norm", "relu", "pool", "add/concat"]

    static func family(_ k: OpKind) -> String {
        switch k {
        case .conv: return "conv"
        case .batchNorm: return "batch norm"
        case .relu, .relu6: return "relu"
        case .maxPool, .avgPool: return "pool"
        case .add, .concat: return "add/concat"
        default: return "other"
        }
    }

    /// Every measured network and batch, simulated serially on `gpu` in a clean process with the device's graph
    /// start-up (`floorUs`, the second lease's) in place of the host's launch, as the replays were timed.
    public static func run(gpu profile: GPUSpec, floorUs: Double) throws -> [Row] {
        let recs = try MeasuredRuns.required("prefix_replays.jsonl.gz", as: Record.self, sub: "/round14/") { $0.kind == "prefix" }
        struct Case: Hashable { var model: String, batch: Int }
        var byCase: [Case: [Int: Double]] = [:]
        for r in recs { if let n = r.nodes, let ms = r.deviceMs { byCase[Case(model: r.model, batch: r.batch), default: [:]][n] = ms * 1000 } }
        let cases = byCase
        let keys = cases.keys.sorted { $0.model != $1.model ? $0.model < $1.model : $0.batch < $1.batch }
        let gpu = profile.timedOnDevice(floorUs: floorUs)
        return try parallelMap(keys.count) { i -> Row in
            let model = keys[i].model, batch = keys[i].batch
            var s = Scenario()
            s.model = model; s.batch = batch; s.gpu = gpu.name; s.launch = .graph
            let w = try Workload(s, gpu: gpu)
            let trace = try w.simulate(.serial, recordBlocks: false).1
            var end = Array(repeating: 0.0, count: w.graph.nodes.count)
            for rec in trace.kernels { end[w.kernels.kernels[rec.kernel].op] = max(end[w.kernels.kernels[rec.kernel].op], rec.end) }
            let nodes = w.graph.nodes.filter { if case .input = $0.kind { return false } else { return true } }
            let measured = cases[keys[i]]!
            guard measured.count == nodes.count, let total = measured[nodes.count] else {
                throw ConvtopError(.model, "prefix_replays.jsonl.gz: \(model) b\(batch) has \(measured.count) prefixes for \(nodes.count) nodes")
            }
            var simulated: [Double] = [], t = 0.0
            for n in nodes { t = max(t, end[n.id]); simulated.append(t) }
            var errors: [(String, Double)] = []
            for k in 1..<nodes.count {
                guard let a = measured[k], let b = measured[k + 1] else { continue }
                errors.append((family(nodes[k].kind), (simulated[k] - simulated[k - 1]) - (b - a)))
            }
            return Row(model: model, batch: batch, measuredMs: total / 1000, simulatedMs: simulated.last! / 1000, nodeErrors: errors)
        }
    }

    /// The median of `family`'s per-node errors (µs) over `rows`, nil where it has none.
    public static func medianNodeError(_ rows: [Row], family: String) -> Double? {
        FrontEndSharing.median(rows.flatMap { $0.nodeErrors.filter { $0.family == family }.map(\.us) })
    }
}
