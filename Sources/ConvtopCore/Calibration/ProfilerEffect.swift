import Foundation

/// Round 8 (Assets/calibration/round8/profiler_effect.jsonl, `measure_profiler_effect.py`): the same cases timed in
/// one process before and after PyTorch's profiler had run once in it. Explains why the leases disagree: every
/// script that profiles before it times (rounds 1–3 and 7, the ONNX corpus) measured the slow front end, every script
/// that never profiles (rounds 4 and 5, the catalog's network runs) the fast one.
public enum ProfilerEffect {
    /// Whether the profiler had run in the measuring process before the case was timed.
    public enum Phase: String, CaseIterable, Sendable {
        case before = "before_profiler", after = "after_profiler"

        /// The process state the phase measured: clean before the profiler's first run, profiled after it.
        public var process: ProcessState { self == .before ? .clean : .profiled }
    }

    struct Record: Decodable {
        var phase: String, kind: String
        var blocks: Int?, streams: Int?, kernels: Int?, graphMs: Double?
        var batch: Int?, channels: Int?, map: Int?, kernel: Int?, serial4Ms: Double?, streams4Ms: Double?
        var model: String?, serialGraphMs: Double?, branchGraphMs: Double?
        enum CodingKeys: String, CodingKey {
            case phase, kind, blocks, streams, kernels, batch, channels, map, kernel, model
            case graphMs = "graph_ms", serial4Ms = "serial4_ms", streams4Ms = "streams4_ms"
            case serialGraphMs = "serial_graph_ms", branchGraphMs = "branch_graph_ms"
        }
    }

    /// One case: a time (µs per kernel for the front end, ms otherwise) and a speedup, before and after.
    public struct Row: Sendable {
        public var label: String
        public var unit: String
        public var before: Double, after: Double
        public var speedupBefore: Double?, speedupAfter: Double?
    }

    /// Every case measured in both phases, in file order.
    public static func rows() throws -> [Row] {
        guard let dir = AssetLocator.directory("calibration/round8"),
              let data = FileManager.default.contents(atPath: dir + "/profiler_effect.jsonl") else {
            throw ConvtopError(.model, "cannot find Assets/calibration/round8/profiler_effect.jsonl; set CONVTOP_ASSETS to the Assets directory")
        }
        let recs = data.split(separator: UInt8(ascii: "\n")).compactMap { try? JSONDecoder().decode(Record.self, from: Data($0)) }
        func find(_ phase: Phase, _ same: (Record) -> Bool) -> Record? { recs.first { $0.phase == phase.rawValue && same($0) } }
        func perKernel(_ r: Record) -> Double? { r.graphMs.flatMap { ms in r.kernels.map { ms * 1000 / Double($0) } } }
        var out: [Row] = []
        for r in recs where r.phase == Phase.before.rawValue {
            switch r.kind {
            case "frontend":
                guard let b = r.blocks, let s = r.streams, let a = find(.after, { $0.kind == "frontend" && $0.blocks == b && $0.streams == s }),
                      let x = perKernel(r), let y = perKernel(a) else { continue }
                let one = { (p: Phase) in find(p, { $0.kind == "frontend" && $0.blocks == b && $0.streams == 1 }).flatMap(perKernel) }
                out.append(Row(label: "front end \(b) blocks × \(s) chains", unit: "µs/kernel", before: x, after: y,
                               speedupBefore: s > 1 ? one(.before).map { $0 / x } : nil, speedupAfter: s > 1 ? one(.after).map { $0 / y } : nil))
            case "conv_chains":
                guard let a = find(.after, { $0.kind == "conv_chains" && $0.batch == r.batch && $0.channels == r.channels && $0.map == r.map && $0.kernel == r.kernel }),
                      let s = r.serial4Ms, let p = r.streams4Ms, let s2 = a.serial4Ms, let p2 = a.streams4Ms,
                      let b = r.batch, let c = r.channels, let m = r.map, let k = r.kernel else { continue }
                out.append(Row(label: "4 conv chains b\(b) c\(c) \(m)×\(m) \(k)×\(k)", unit: "ms serial", before: s, after: s2,
                               speedupBefore: s / p, speedupAfter: s2 / p2))
            case "network":
                guard let a = find(.after, { $0.kind == "network" && $0.model == r.model }), let s = r.serialGraphMs, let p = r.branchGraphMs,
                      let s2 = a.serialGraphMs, let p2 = a.branchGraphMs, let m = r.model else { continue }
                out.append(Row(label: "\(m) inference b\(r.batch ?? 1)", unit: "ms serial", before: s, after: s2,
                               speedupBefore: s / p, speedupAfter: s2 / p2))
            default: continue
            }
        }
        return out
    }
}
