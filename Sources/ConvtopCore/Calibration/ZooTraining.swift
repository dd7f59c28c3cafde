import Foundation

/// Round 14's training steps of convtop's branchy zoo graphs (`Assets/calibration/round14/zoo_training.jsonl`, written
/// by `Assets/calibration/measure_zoo_training.py`): NASNet, RandWire, PathNet, GoogLeNet, SqueezeNet and Inception-v3
/// at batch 1, 4, 8 and 16, one step (forward, cross-entropy, backward, SGD with momentum, foreach) captured as a CUDA
/// Graph serially and with the branch rule on 8 streams, backward on each forward op's stream as autograd runs it;
/// timed twice in a process that never profiled. Nobody had measured these networks' training steps: a held-out check
/// of the training streams.
public enum ZooTraining {
    struct Record: Decodable {
        var model: String, batch: Int, serialGraphMs: [Double], branchGraphMs: [Double]
        enum CodingKeys: String, CodingKey { case model, batch, serialGraphMs = "serial_graph_ms", branchGraphMs = "branch_graph_ms" }
    }

    /// The rows (first pass) and how far the second pass moved each measured speedup.
    public struct Report: Sendable {
        public var rows: [FidelityReport.NetworkRow]
        public var passSpread: [Double]
    }

    static func records() throws -> [Record] {
        try MeasuredRuns.required("zoo_training.jsonl", as: Record.self, sub: "/round14/") { !$0.serialGraphMs.isEmpty && !$0.branchGraphMs.isEmpty }
    }

    /// Every measured step simulated on `gpu` in a clean process, serial and with the branch rule.
    public static func run(gpu: GPUSpec) throws -> Report {
        let recs = try records()
        let clean = gpu.inCleanProcess
        let rows = try parallelMap(recs.count) { i -> FidelityReport.NetworkRow in
            let r = recs[i]
            return try FidelityReport.networkRow(model: r.model, label: "\(r.model) training b\(r.batch)", batch: r.batch, mode: .training,
                                                 serialMs: r.serialGraphMs[0], branchMs: r.branchGraphMs[0], gpu: clean, simulateBranch: true)
        }
        let spread = recs.compactMap { r -> Double? in
            guard r.serialGraphMs.count > 1, r.branchGraphMs.count > 1 else { return nil }
            return r.serialGraphMs[1] / r.branchGraphMs[1] - r.serialGraphMs[0] / r.branchGraphMs[0]
        }
        return Report(rows: rows, passSpread: spread)
    }
}
