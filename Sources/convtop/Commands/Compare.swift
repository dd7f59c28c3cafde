import ArgumentParser
import ConvtopCore

/// `convtop compare MODEL`: every policy side by side per batch size.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Compare every policy per batch size, with the speedup over serial.")

    @Argument(help: "Model name or graph file.") var model: String
    @OptionGroup var flags: SimulationFlags
    @Option(name: .customLong("batches"), help: "Comma-separated batch sizes (overrides --batch).") var batches = "1,8,32"
    @Flag(help: "Print JSON.") var json = false

    struct Cell: Encodable {
        var batch: Int, policy: String, iterationMs: Double, speedupVsSerial: Double, smUtilization: Double
        var achievedConcurrency: Double, criticalPathMs: Double
        enum CodingKeys: String, CodingKey {
            case batch, policy, iterationMs = "iteration_ms", speedupVsSerial = "speedup_vs_serial", smUtilization = "sm_utilization"
            case achievedConcurrency = "achieved_concurrency", criticalPathMs = "critical_path_ms"
        }
    }

    func run() throws {
        let sizes = batches.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) >= 1 }) else {
            throw ConvtopError(.usage, "--batches takes comma-separated positive integers, like 1,8,32 (got '\(batches)')")
        }
        var cells: [Cell] = []
        for b in sizes.compactMap({ $0 }) {
            var s = try flags.scenario(model: model)
            s.batch = b
            let w = try Workload(s)
            let serial = try w.simulate(.serial, recordBlocks: false).1.iterationTime
            for p in PolicyKind.allCases {
                let (sch, t) = try w.simulate(p, recordBlocks: false)
                let m = w.metrics(t, schedule: sch, serialUs: serial)
                cells.append(Cell(batch: b, policy: p.rawValue, iterationMs: m.iterationMs, speedupVsSerial: m.speedupVsSerial,
                                  smUtilization: m.smUtilization, achievedConcurrency: m.achievedConcurrency,
                                  criticalPathMs: m.criticalPathMs))
            }
        }
        if json { try printJSON(cells); return }
        let s0 = try flags.scenario(model: model)
        print("\(model) \(s0.mode.rawValue) on \(s0.gpu), \(s0.launch.rawValue) launch, \(s0.streams) streams\(s0.processNote) — iteration ms (speedup over serial)")
        let bs = sizes.compactMap { $0 }
        printTable(["policy"] + bs.map { "batch \($0)" }, PolicyKind.allCases.map { p in
            [p.rawValue] + bs.map { b in
                let c = cells.first { $0.batch == b && $0.policy == p.rawValue }!
                return "\(fmt(c.iterationMs)) (\(fmt(c.speedupVsSerial, 2))×)"
            }
        } + [["critical-path bound"] + bs.map { b in fmt(cells.first { $0.batch == b }!.criticalPathMs) }])
    }
}
