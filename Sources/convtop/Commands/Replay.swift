import ArgumentParser
import ConvtopCore
import ConvtopUI
import Foundation

/// `convtop replay FILE`: play a recorded session back, or re-simulate it headless and check every number.
struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Replay a recorded session (--headless: re-simulate and verify it).")

    @Argument(help: "A session file written with --record.") var file: String
    @Option(help: "Playback speed of the recorded key presses.") var speed = 1.0
    @Flag(help: "Re-simulate every recorded iteration, check the metrics match exactly, print a summary.") var headless = false
    @OptionGroup var display: DisplayFlags

    func run() throws {
        guard speed > 0 && speed <= 1000 else { throw ConvtopError(.usage, "--speed must be between 0 and 1000") }
        let f = try SessionFile.read(path: file)
        if let w = f.warning { FileHandle.standardError.write(Data("convtop: warning: \(w)\n".utf8)) }
        if headless {
            let problems = try f.verify()
            let configs = Set(f.iterations.map { c -> Scenario in var k = c.config; k.policy = .serial; return k }).count
            print("\(file): \(f.iterations.count) iterations in \(configs) configuration(s), \(f.actions.count) actions re-simulated: "
                  + (problems.isEmpty ? "all metrics match exactly" : "\(problems.count) mismatch(es)"))
            for p in problems { print("  mismatch: " + p) }
            if !problems.isEmpty { throw ExitCode(1) }
            return
        }
        let model = try display.model(f.header.options)
        let script = f.actions.compactMap { a in SessionRecorder.key(a.key).map { (a.t / speed, $0) } }
        model.say("replaying \((file as NSString).lastPathComponent): \(script.count) key presses")
        let screen = try display.openScreen()
        defer { screen.close() }
        var loop = DashboardLoop(screen: screen, model: model, fps: 30, maxFrames: nil, recorder: nil)
        loop.script = script
        try loop.run()
        try exitIfSignalled() // the deferred close restores the terminal first
    }
}

/// `convtop summary FILE`: what a recorded session explored.
struct Summary: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Summarise a recorded session: policies tried, iteration times, the best policy.")
    @Argument(help: "A session file written with --record.") var file: String
    @Flag(help: "Print JSON.") var json = false

    struct PolicyRow: Encodable {
        var policy: String, iterations: Int, medianMs: Double, minMs: Double, maxMs: Double, speedupVsSerial: Double
        enum CodingKeys: String, CodingKey {
            case policy, iterations, medianMs = "median_ms", minMs = "min_ms", maxMs = "max_ms", speedupVsSerial = "speedup_vs_serial"
        }
    }
    struct ConfigRow: Encodable {
        var model: String, gpu: String, batch: Int, mode: String, launch: String, streams: Int, precision: String
        var policies: [PolicyRow]; var bestPolicy: String
        enum CodingKeys: String, CodingKey { case model, gpu, batch, mode, launch, streams, precision, policies, bestPolicy = "best_policy" }
    }
    struct Out: Encodable {
        var file: String, iterations: Int, actions: Int, durationS: Double, configurations: [ConfigRow], warning: String?
        enum CodingKeys: String, CodingKey { case file, iterations, actions, durationS = "duration_s", configurations, warning }
    }

    func run() throws {
        let f = try SessionFile.read(path: file)
        var order: [Scenario] = []
        var groups: [Scenario: [SessionLog.Iteration]] = [:]
        for it in f.iterations {
            var k = it.config; k.policy = .serial
            if groups[k] == nil { order.append(k) }
            groups[k, default: []].append(it)
        }
        let configs = order.map { k -> ConfigRow in
            let its = groups[k]!
            let rows = PolicyKind.allCases.compactMap { p -> PolicyRow? in
                let ms = its.filter { $0.config.policy == p }.map(\.metrics.iterationMs).sorted()
                guard !ms.isEmpty else { return nil }
                let serial = its.filter { $0.config.policy == p }.map(\.metrics.serialMs).sorted()
                return PolicyRow(policy: p.rawValue, iterations: ms.count, medianMs: ms[ms.count / 2], minMs: ms.first!, maxMs: ms.last!,
                                 speedupVsSerial: serial[serial.count / 2] / ms[ms.count / 2])
            }
            return ConfigRow(model: k.model, gpu: k.gpu, batch: k.batch, mode: k.mode.rawValue, launch: k.launch.rawValue, streams: k.streams,
                             precision: k.precision.rawValue, policies: rows, bestPolicy: rows.min { $0.medianMs < $1.medianMs }?.policy ?? "-")
        }
        let out = Out(file: file, iterations: f.iterations.count, actions: f.actions.count,
                      durationS: max(f.iterations.last?.t ?? 0, f.actions.last?.t ?? 0), configurations: configs, warning: f.warning)
        if json { try printJSON(out); return }
        if let w = f.warning { FileHandle.standardError.write(Data("convtop: warning: \(w)\n".utf8)) }
        print("\(file): \(out.iterations) iterations, \(out.actions) actions over \(fmt(out.durationS, 1)) s, \(configs.count) configuration(s)")
        for c in configs {
            print("\n\(c.model) \(c.mode) batch \(c.batch) on \(c.gpu), \(c.launch) launch, \(c.streams) streams — best: \(c.bestPolicy)")
            printTable(["policy", "iterations", "median ms", "min ms", "max ms", "speedup"], c.policies.map {
                [$0.policy, String($0.iterations), fmt($0.medianMs), fmt($0.minMs), fmt($0.maxMs), fmt($0.speedupVsSerial, 2) + "×"]
            })
        }
    }
}
