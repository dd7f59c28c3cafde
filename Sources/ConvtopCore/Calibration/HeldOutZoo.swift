import Foundation

/// Round 13's zoo runs (Assets/calibration/round13/zoo_networks.jsonl): convtop's own graphs of the branchy zoo
/// networks at batch sizes the catalog's zoo runs never used (2, 4, 16), and six parametric variants nobody measured
/// before (RandWire seeds 7 and 11, NASNet with 32 filters or 2 cells per stack, PathNet seed 3 and L=3 M=8 N=2) at
/// batch 1 and 8 too, run in PyTorch by `Assets/catalog/measure_catalog.py --graphs` in a process that never profiled
/// (serial and the branch rule on 8 streams, CUDA Graph replay, medians of 30), after the co-running stretch was set:
/// a held-out check of the concurrency model. The batch-2/4/16 cases were timed twice (pass 0 and 1).
public enum HeldOutZoo {
    struct Record: Decodable {
        var model: String, batch: Int, serialGraphMs: Double, branchGraphMs: Double, pass: Int
        enum CodingKeys: String, CodingKey {
            case model, batch, pass, serialGraphMs = "serial_graph_ms", branchGraphMs = "branch_graph_ms"
        }
    }

    /// The zoo spec each measured graph file was written from (`convtop calibrate --manifest-only` for the plain
    /// names, `ModelZoo.build` with these parameters for the variants).
    static let specs = ["randwire_seed7": "randwire:seed=7", "randwire_seed11": "randwire:seed=11", "nasnet_f32": "nasnet:filters=32",
                        "nasnet_c2": "nasnet:cells=2", "pathnet_seed3": "pathnet:seed=3", "pathnet_L3M8N2": "pathnet:L=3,M=8,N=2"]

    /// The rows (pass 0) and how far pass 1 moved each speedup.
    public struct Report: Sendable {
        public var rows: [FidelityReport.NetworkRow]
        /// Pass 1 against pass 0, measured speedups of the same cases.
        public var passSpread: [Double]
    }

    static func records() throws -> [Record] {
        try MeasuredRuns.required("zoo_networks.jsonl", as: Record.self, sub: "/round13/")
    }

    /// Every pass-0 case simulated on `gpu` in a clean process.
    public static func run(gpu: GPUSpec) throws -> Report {
        let recs = try records()
        let first = recs.filter { $0.pass == 0 }
        let clean = gpu.inCleanProcess
        let rows = try parallelMap(first.count) { i -> FidelityReport.NetworkRow in
            let r = first[i]
            return try FidelityReport.networkRow(model: specs[r.model] ?? r.model, label: "\(r.model) inference b\(r.batch)", batch: r.batch,
                                                 mode: .inference, serialMs: r.serialGraphMs, branchMs: r.branchGraphMs, gpu: clean,
                                                 simulateBranch: true)
        }
        var spread: [Double] = []
        for r in recs where r.pass == 1 {
            if let p0 = first.first(where: { $0.model == r.model && $0.batch == r.batch }) {
                spread.append(r.serialGraphMs / r.branchGraphMs - p0.serialGraphMs / p0.branchGraphMs)
            }
        }
        return Report(rows: rows, passSpread: spread)
    }

    /// `measure_zoo_liveness.py`: the zoo graphs' serial replay as measure_catalog.py runs it (every output kept)
    /// and freeing each output after its last use, at batch 1, 2 and 8, in a clean process.
    struct LivenessRecord: Decodable {
        var model: String, batch: Int, keptMs: Double, freedMs: Double
        enum CodingKeys: String, CodingKey { case model, batch, keptMs = "serial_kept_ms", freedMs = "serial_freed_ms" }
    }

    /// One zoo graph's serial replay kept and freed, and convtop's serial time (clean process).
    public struct LivenessRow: Sendable {
        public var label: String
        public var keptMs: Double, freedMs: Double, simulatedMs: Double
        public var keptCost: Double { keptMs / freedMs - 1 }
        public var errorKept: Double { simulatedMs / keptMs - 1 }
        public var errorFreed: Double { simulatedMs / freedMs - 1 }
    }

    public static func livenessRows(gpu: GPUSpec) throws -> [LivenessRow] {
        let recs = try MeasuredRuns.required("zoo_liveness.jsonl", as: LivenessRecord.self, sub: "/round13/")
        let clean = gpu.inCleanProcess
        return try parallelMap(recs.count) { i in
            let r = recs[i]
            let sim = try FidelityReport.networkRow(model: r.model, label: r.model, batch: r.batch, mode: .inference, serialMs: r.freedMs,
                                                    branchMs: nil, gpu: clean, simulateBranch: false)
            return LivenessRow(label: "\(r.model) inference b\(r.batch)", keptMs: r.keptMs, freedMs: r.freedMs, simulatedMs: sim.serialSimulatedMs)
        }
    }
}
