import Foundation

/// Round 13 (Assets/calibration/round13/branch_liveness.jsonl, `measure_branch_liveness.py`): how much of a measured
/// branch-rule "speedup" is the harness's memory rather than its streams. The branch harness of rounds 2, 4 and 5
/// keeps every node's output alive until the forward pass ends; the serial run frees each output after its last use.
/// Each network is replayed four ways on one H200, in a clean process: serial, serial with every output kept, the
/// branch rule as those rounds ran it (outputs kept), and the branch rule with outputs freed after their last use.
/// convtop simulates streams, not memory lifetimes, so its speedup is compared with the freed run.
public enum BranchLiveness {
    struct Record: Decodable {
        var kind: String, model: String?, batch: Int?
        var footprintMb: Double?, streamsUsed: Int?
        var serialMs: Double?, serialAliveMs: Double?, branchMs: Double?, branchFreedMs: Double?
        enum CodingKeys: String, CodingKey {
            case kind, model, batch
            case footprintMb = "footprint_mb", streamsUsed = "streams_used", serialMs = "serial_ms", serialAliveMs = "serial_alive_ms"
            case branchMs = "branch_ms", branchFreedMs = "branch_freed_ms"
        }
    }

    /// One network at one batch size: the four measured replays (CUDA events from an idle GPU) and the simulation.
    public struct Row: Sendable {
        public var label: String
        /// Megabytes of every node's output, what the kept runs hold at the end of the forward pass.
        public var footprintMb: Double
        public var streamsUsed: Int
        public var serialMs: Double, serialKeptMs: Double, branchKeptMs: Double, branchFreedMs: Double
        public var serialSimulatedMs: Double, speedupSimulated: Double
        /// What keeping every output costs the serial replay (fraction).
        public var keptCost: Double { serialKeptMs / serialMs - 1 }
        /// The branch rule's speedup as the earlier rounds measured it (outputs kept) and with outputs freed.
        public var speedupKept: Double { serialMs / branchKeptMs }
        public var speedupFreed: Double { serialMs / branchFreedMs }
        public var serialError: Double { serialSimulatedMs / serialMs - 1 }
        /// Simulated minus measured speedup, against the freed run and against the kept one.
        public var speedupErrorFreed: Double { speedupSimulated - speedupFreed }
        public var speedupErrorKept: Double { speedupSimulated - speedupKept }
    }

    static func records() throws -> [Record] {
        try MeasuredRuns.required("branch_liveness.jsonl", as: Record.self, sub: "/round13/") { $0.kind == "network" }
    }

    /// The zoo's graph of `name` where the zoo has the network, else its TorchScript ONNX export in Assets/onnx.
    static func modelSource(_ name: String) -> String? {
        if ModelZoo.names.contains(name) { return name }
        return AssetLocator.directory("onnx").flatMap { HeldOutNetworks.export(name, in: $0) }
    }

    /// Every measured network (or those of `models`) simulated on `gpu` in a clean process (the replays were timed
    /// before the profiler ran).
    public static func rows(gpu: GPUSpec, models: Set<String>? = nil) throws -> [Row] {
        let recs = try records().filter { r in models.map { r.model.map($0.contains) ?? false } ?? true }
        let clean = gpu.inCleanProcess
        return try parallelMap(recs.count) { i -> Row? in
            let r = recs[i]
            guard let name = r.model, let batch = r.batch, let serial = r.serialMs, let kept = r.serialAliveMs,
                  let branch = r.branchMs, let freed = r.branchFreedMs, let source = modelSource(name) else { return nil }
            let label = "\(name) inference b\(batch)"
            let sim = try FidelityReport.networkRow(model: source, label: label, batch: batch, mode: .inference, serialMs: serial,
                                                    branchMs: freed, gpu: clean, simulateBranch: true)
            return Row(label: label, footprintMb: r.footprintMb ?? 0, streamsUsed: r.streamsUsed ?? 0, serialMs: serial,
                       serialKeptMs: kept, branchKeptMs: branch, branchFreedMs: freed,
                       serialSimulatedMs: sim.serialSimulatedMs, speedupSimulated: sim.speedupSimulated)
        }.compactMap { $0 }
    }
}
