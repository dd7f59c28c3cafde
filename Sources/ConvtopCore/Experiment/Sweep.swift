import Foundation

/// A grid of simulations: models × GPUs × batch sizes × modes × launch modes × stream counts, every policy on each.
public struct SweepPlan: Sendable {
    public var models: [String]
    public var gpus: [String]
    public var batches: [Int]
    public var modes: [GraphMode]
    public var launches: [LaunchMode]
    public var streams: [Int]
    public var policies: [PolicyKind]
    public init(models: [String], gpus: [String], batches: [Int], modes: [GraphMode], launches: [LaunchMode],
                streams: [Int], policies: [PolicyKind]) {
        self.models = models; self.gpus = gpus; self.batches = batches; self.modes = modes; self.launches = launches
        self.streams = streams; self.policies = policies
    }

    /// One scenario per workload (the policy is varied inside it), in plan order.
    public var cases: [Scenario] {
        var out: [Scenario] = []
        for m in models { for g in gpus { for mode in modes { for b in batches { for l in launches { for st in streams {
            var s = Scenario()
            s.model = m; s.gpu = g; s.mode = mode; s.batch = b; s.launch = l; s.streams = st
            out.append(s)
        } } } } } }
        return out
    }
}

/// One row of a sweep: a scenario, a policy and what it measured; `error` is set (and the numbers are 0) when the
/// scenario cannot run (a batch too large for the GPU's shared memory, say).
public struct SweepRow: Sendable, Codable, Equatable {
    public var model: String, gpu: String, batch: Int, mode: String, launch: String, streams: Int, policy: String
    public var iterationMs: Double, serialMs: Double, speedup: Double, smUtilization: Double, criticalPathMs: Double
    public var kernels: Int
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case model, gpu, batch, mode, launch, streams, policy, iterationMs = "iteration_ms", serialMs = "serial_ms", speedup
        case smUtilization = "sm_utilization", criticalPathMs = "critical_path_ms", kernels, error
    }

    /// CSV header and lines (RFC 4180 quoting where a field needs it).
    public static let csvHeader = "model,gpu,batch,mode,launch,streams,policy,iteration_ms,serial_ms,speedup,sm_utilization,critical_path_ms,kernels,error"
    public var csv: String {
        func q(_ s: String) -> String { s.contains(where: { ",\"\n".contains($0) }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }
        let f = { (v: Double) in String(format: "%.6g", v) }
        return [q(model), q(gpu), String(batch), mode, launch, String(streams), policy, f(iterationMs), f(serialMs), f(speedup),
                f(smUtilization), f(criticalPathMs), String(kernels), q(SafeText.printable(error ?? ""))].joined(separator: ",")
    }

    /// The scenario part of the row: rows with equal keys come from the same workload.
    public var key: String { "\(model)|\(gpu)|\(batch)|\(mode)|\(launch)|\(streams)" }
    public static func key(_ s: Scenario) -> String { "\(s.model)|\(s.gpu)|\(s.batch)|\(s.mode.rawValue)|\(s.launch.rawValue)|\(s.streams)" }
}

public enum Sweep {
    /// Simulates every policy of one case. Deterministic: the rows depend only on the scenario.
    public static func run(_ s: Scenario, policies: [PolicyKind]) -> [SweepRow] {
        func row(_ p: PolicyKind, _ m: IterationMetrics?, _ error: String?) -> SweepRow {
            SweepRow(model: s.model, gpu: s.gpu, batch: s.batch, mode: s.mode.rawValue, launch: s.launch.rawValue, streams: s.streams,
                     policy: p.rawValue, iterationMs: m?.iterationMs ?? 0, serialMs: m?.serialMs ?? 0, speedup: m?.speedupVsSerial ?? 0,
                     smUtilization: m?.smUtilization ?? 0, criticalPathMs: m?.criticalPathMs ?? 0, kernels: m?.kernels ?? 0, error: error)
        }
        do {
            try s.validate()
            let w = try Workload(s)
            let serial = try w.simulate(.serial, recordBlocks: false).1.iterationTime
            return try policies.map { p in
                let (sch, t) = try w.simulate(p, recordBlocks: false)
                return row(p, w.metrics(t, schedule: sch, serialUs: serial), nil)
            }
        } catch {
            let message = (error as? ConvtopError)?.message ?? "\(error)"
            return policies.map { row($0, nil, message) }
        }
    }

    /// A sweep CSV's rows keyed by its header; lines with fewer than `minFields` fields (cut by an interrupted run)
    /// are dropped. Fields are split at commas: sweep rows quote only model paths and errors that contain one.
    public static func csvRows(_ text: String, minFields: Int) -> [[String: String]] {
        let lines = text.split(separator: "\n").map(String.init)
        guard let header = lines.first?.split(separator: ",").map(String.init) else { return [] }
        return lines.dropFirst().compactMap { l in
            let f = l.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return f.count >= minFields ? Dictionary(zip(header, f), uniquingKeysWith: { a, _ in a }) : nil
        }
    }

    /// Keys of the cases a previous (possibly interrupted) output already holds completely: every policy's row.
    public static func finishedKeys(csv text: String, policies: [PolicyKind]) -> Set<String> {
        finished(csvRows(text, minFields: 13).map { r in
            (["model", "gpu", "batch", "mode", "launch", "streams"].map { r[$0] ?? "" }.joined(separator: "|"), r["policy"] ?? "")
        }, policies: policies)
    }

    public static func finishedKeys(jsonLines text: String, policies: [PolicyKind]) -> Set<String> {
        finished(text.split(separator: "\n").compactMap { line in
            (try? JSONDecoder().decode(SweepRow.self, from: Data(line.utf8))).map { ($0.key, $0.policy) }
        }, policies: policies)
    }

    static func finished(_ rows: [(key: String, policy: String)], policies: [PolicyKind]) -> Set<String> {
        var seen: [String: Set<String>] = [:]
        for r in rows { seen[r.key, default: []].insert(r.policy) }
        let want = Set(policies.map(\.rawValue))
        return Set(seen.filter { want.isSubset(of: $0.value) }.keys)
    }
}
