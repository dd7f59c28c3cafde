import ArgumentParser
import ConvtopCore
import Foundation

/// `convtop auto MODEL`: searches the policies and their parameters with the simulator and keeps the best schedule.
struct Auto: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Search every policy at several stream-pool sizes with the simulator; report what was tried and keep the fastest schedule.")

    @Argument(help: "Model name or file.") var model: String
    @OptionGroup var flags: SimulationFlags
    @Option(help: "Comma-separated stream-pool sizes to try.") var pools = "2,4,8,16"
    @Option(name: .customLong("schedule-out"), help: "Write the best schedule to this file (see `convtop schedule`).") var scheduleOut: String?
    @Flag(help: "Overwrite an existing schedule file.") var force = false
    @Flag(help: "Print JSON.") var json = false

    struct Trial: Encodable {
        var policy: String, streams: Int, iterationMs: Double, speedup: Double
        enum CodingKeys: String, CodingKey { case policy, streams, iterationMs = "iteration_ms", speedup }
    }
    struct Output: Encodable {
        var model: String, best: Trial, trials: [Trial], searchSeconds: Double
        enum CodingKeys: String, CodingKey { case model, best, trials, searchSeconds = "search_seconds" }
    }

    func run() throws {
        let sizes = try pools.split(separator: ",").map { v -> Int in
            guard let n = Int(v.trimmingCharacters(in: .whitespaces)), n >= 1, n <= Scenario.maxStreams else {
                throw ConvtopError(.usage, "--pools takes comma-separated stream counts from 1 to \(Scenario.maxStreams) (got '\(pools)')")
            }
            return n
        }
        if let scheduleOut { try OutputFile.check(path: scheduleOut, overwrite: force) }
        let started = Date()
        var base = try flags.scenario(model: model)
        var trials: [Trial] = []
        var best: (Trial, Workload, PolicyKind)?
        var serialUs = 0.0
        for (i, pool) in Array(Set(sizes)).sorted().enumerated() {
            base.streams = pool
            let w = try Workload(base)
            if i == 0 { serialUs = try w.simulate(.serial, recordBlocks: false).1.iterationTime }
            for p in PolicyKind.allCases where p != .serial || i == 0 {
                let t = try (p == .serial ? serialUs : w.simulate(p, recordBlocks: false).1.iterationTime)
                let trial = Trial(policy: p.rawValue, streams: p == .serial ? 1 : pool, iterationMs: t / 1000, speedup: serialUs / t)
                trials.append(trial)
                if best == nil || trial.iterationMs < best!.0.iterationMs { best = (trial, w, p) }
            }
        }
        let seconds = Date().timeIntervalSince(started)
        guard let (b, w, p) = best else { return }
        if let scheduleOut {
            try OutputFile.write(try ScheduleFile.encode(w.schedule(p), workload: w), to: scheduleOut, overwrite: force)
        }
        if json { try printJSON(Output(model: w.graph.name, best: b, trials: trials, searchSeconds: seconds)); return }
        print("\(w.graph.name) \(base.mode.rawValue) batch \(base.batch) on \(base.gpu), \(base.launch.rawValue) launch: \(trials.count) schedules tried in \(String(format: "%.1f", seconds)) s")
        printTable(["policy", "streams", "iteration ms", "speedup"], trials.sorted { $0.iterationMs < $1.iterationMs }.prefix(10).map {
            [$0.policy, String($0.streams), fmt($0.iterationMs), fmt($0.speedup, 2) + "×"]
        })
        print("best: \(b.policy) on \(b.streams) streams, \(fmt(b.iterationMs)) ms (\(fmt(b.speedup, 2))× over serial)" +
              (scheduleOut.map { "; schedule written to \($0)" } ?? ""))
    }
}
