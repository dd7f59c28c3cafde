import Foundation

/// Round 14's training steps of convtop's branchy zoo graphs (`Assets/calibration/round14/zoo_training.jsonl`, written
/// by `Assets/calibration/measure_zoo_training.py`): NASNet, RandWire, PathNet, GoogLeNet, SqueezeNet and Inception-v3
/// at batch 1, 4, 8 and 16, one step (forward, cross-entropy, backward, SGD with momentum, foreach) captured as a CUDA
/// Graph serially and with the branch rule on 8 streams, backward on each forward op's stream as autograd runs it, and
/// the forward pass with the loss alone the same way; timed twice in a process that never profiled. Nobody had
/// measured these networks' training steps; their errors led convtop to autograd's order (`TrainingGraph`). The six
/// variants of round 13 (`variants`, batch 1, 4 and 16) were measured after that: a held-out check of it.
public enum ZooTraining {
    struct Record: Decodable {
        var model: String, batch: Int, serialGraphMs: [Double], branchGraphMs: [Double]
        var serialForwardMs: [Double]?, branchForwardMs: [Double]?
        enum CodingKeys: String, CodingKey {
            case model, batch, serialGraphMs = "serial_graph_ms", branchGraphMs = "branch_graph_ms"
            case serialForwardMs = "serial_forward_ms", branchForwardMs = "branch_forward_ms"
        }
    }

    /// One step: the whole step as a network row, and the speedups of its forward pass and of the rest (backward and
    /// update), measured and simulated.
    public struct Row: Sendable {
        public var step: FidelityReport.NetworkRow
        public var forwardSpeedupMeasured: Double?, forwardSpeedupSimulated: Double
        public var backwardSpeedupMeasured: Double?, backwardSpeedupSimulated: Double
    }

    /// The rows (first pass) and how far the second pass moved each measured speedup.
    public struct Report: Sendable {
        public var rows: [Row]
        public var passSpread: [Double]
    }

    /// The measured steps: the first set, or the variants measured after autograd's order was set.
    public enum Set: String, Sendable {
        case first = "zoo_training.jsonl", variants = "zoo_training_variants.jsonl"
    }

    static func records(_ set: Set = .first) throws -> [Record] {
        try MeasuredRuns.required(set.rawValue, as: Record.self, sub: "/round14/") { !$0.serialGraphMs.isEmpty && !$0.branchGraphMs.isEmpty }
    }

    /// When the forward pass (the loss included) ends in `trace`, and when the step ends (µs).
    static func phaseEnds(_ w: Workload, _ trace: Trace) -> (forward: Double, step: Double) {
        var forward = 0.0, step = 0.0
        for r in trace.kernels {
            if w.graph.nodes[w.kernels.kernels[r.kernel].op].phase == .forward { forward = max(forward, r.end) }
            step = max(step, r.end)
        }
        return (forward, step)
    }

    /// Every measured step simulated on `gpu` in a clean process, serial and with the branch rule.
    public static func run(gpu: GPUSpec, set: Set = .first) throws -> Report {
        let recs = try records(set)
        let clean = gpu.inCleanProcess
        let rows = try parallelMap(recs.count) { i -> Row in
            let r = recs[i]
            var s = Scenario()
            s.model = HeldOutZoo.specs[r.model] ?? r.model; s.batch = r.batch; s.mode = .training; s.gpu = clean.name; s.launch = .graph
            let w = try Workload(s, gpu: clean)
            let serial = try w.simulate(.serial, recordBlocks: false).1, branch = try w.simulate(.branch, recordBlocks: false).1
            let ps = phaseEnds(w, serial), pb = phaseEnds(w, branch)
            let step = FidelityReport.NetworkRow(label: "\(r.model) training b\(r.batch)", serialMeasuredMs: r.serialGraphMs[0],
                                                 serialSimulatedMs: serial.iterationTime / 1000, speedupMeasured: r.serialGraphMs[0] / r.branchGraphMs[0],
                                                 speedupSimulated: serial.iterationTime / branch.iterationTime)
            let fs = r.serialForwardMs?.first, fb = r.branchForwardMs?.first
            return Row(step: step, forwardSpeedupMeasured: fs.flatMap { a in fb.map { a / $0 } }, forwardSpeedupSimulated: ps.forward / pb.forward,
                       backwardSpeedupMeasured: fs.flatMap { a in fb.map { (r.serialGraphMs[0] - a) / (r.branchGraphMs[0] - $0) } },
                       backwardSpeedupSimulated: (ps.step - ps.forward) / (pb.step - pb.forward))
        }
        let spread = recs.compactMap { r -> Double? in
            guard r.serialGraphMs.count > 1, r.branchGraphMs.count > 1 else { return nil }
            return r.serialGraphMs[1] / r.branchGraphMs[1] - r.serialGraphMs[0] / r.branchGraphMs[0]
        }
        return Report(rows: rows, passSpread: spread)
    }
}
