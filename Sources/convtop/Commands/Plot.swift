import ArgumentParser
import ConvtopCore
import Foundation

/// `convtop plot`: speedup against batch size per policy for one model (the seed paper's central figure), or
/// speedup per model at one batch size; in the terminal (braille) or as a standalone SVG.
struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Chart speedup over serial against batch size per policy (or per model at one batch), in the terminal or as SVG.")

    @Argument(help: "Model name or file (omit with --models).") var model: String?
    @OptionGroup var flags: SimulationFlags
    @Option(help: "Comma-separated models: one point per model at --batch instead of a batch sweep.") var models: String?
    @Option(help: "Comma-separated batch sizes.") var batches = "1,2,4,8,16,32,64,128,256"
    @Option(help: "Comma-separated policies (default: every policy but serial).") var policies: String?
    @Option(help: "Read the points from a `convtop sweep` CSV instead of simulating.") var from: String?
    @Option(help: "Write the chart as a standalone SVG to this file.") var svg: String?
    @Flag(help: "Overwrite an existing SVG file.") var force = false
    @Option(help: "Chart width in columns (default: the terminal's, or 80).") var width: Int?
    @Option(help: "Plot height in rows.") var height = 16

    func run() throws {
        guard (model == nil) != (models == nil) else { throw ConvtopError(.usage, "give one model, or --models a,b,c for one point per model") }
        guard (4...200).contains(height), (width ?? 80) >= 30, (width ?? 80) <= 1000 else {
            throw ConvtopError(.usage, "--height must be 4 to 200 and --width 30 to 1000")
        }
        let pols = try policies.map { try parseChoiceList($0, "policy", PolicyKind.self) }
            ?? PolicyKind.allCases.filter { $0 != .serial }
        if let svg { try OutputFile.check(path: svg, overwrite: force) }
        let base = try flags.scenario(model: model ?? "resnet50")
        let rows = try from.map { try csvRows($0) }
        let chart: Chart
        if let models {
            let names = models.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !names.isEmpty else { throw ConvtopError(.usage, "--models needs at least one model") }
            let values = try names.map { m in try speedups(model: m, batch: base.batch, policies: pols, base: base, rows: rows) }
            var c = Chart(title: "\(base.mode.rawValue) on \(base.gpu), batch \(base.batch), \(base.launch.rawValue) launch — speedup over serial",
                          xLabel: "model", yLabel: "speedup", series: pols.enumerated().map { i, p in
                              Chart.Series(name: p.rawValue, points: values.enumerated().map { (x: Double($0.offset), y: $0.element[i]) })
                          }, xTicks: names.enumerated().map { (Double($0.offset), $0.element) }, logX: false)
            c.categorical = true
            chart = c
        } else {
            let bs = try batches.split(separator: ",").map { v -> Int in
                guard let n = Int(v.trimmingCharacters(in: .whitespaces)), n >= 1, n <= Scenario.maxBatch else {
                    throw ConvtopError(.usage, "--batches takes comma-separated batch sizes from 1 to \(Scenario.maxBatch) (got '\(batches)')")
                }
                return n
            }
            let values = try bs.map { try speedups(model: model!, batch: $0, policies: pols, base: base, rows: rows) }
            chart = Chart(title: "\(model!) \(base.mode.rawValue) on \(base.gpu), \(base.launch.rawValue) launch, \(base.streams) streams — speedup over serial",
                          xLabel: "batch", yLabel: "speedup", series: pols.enumerated().map { i, p in
                              Chart.Series(name: p.rawValue, points: bs.enumerated().map { (x: Double($0.element), y: values[$0.offset][i]) })
                          }, xTicks: bs.map { (Double($0), String($0)) }, logX: true)
        }
        if let svg {
            try OutputFile.write(chart.svg(), to: svg, overwrite: force)
            print("wrote \(svg)")
            return
        }
        let tty = isatty(1) == 1
        let colour = tty && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        var columns = width ?? 80
        if width == nil, tty {
            var ws = winsize()
            if ioctl(1, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col >= 30 { columns = min(Int(ws.ws_col), 200) }
        }
        for line in chart.terminal(width: columns, height: height, colour: colour) { print(line) }
    }

    /// Speedup over serial of each policy for one model at one batch: simulated, or read from a sweep's rows.
    func speedups(model: String, batch: Int, policies: [PolicyKind], base: Scenario, rows: [[String: String]]?) throws -> [Double] {
        if let rows {
            return try policies.map { p in
                guard let r = rows.last(where: { $0["model"] == model && $0["batch"] == String(batch) && $0["policy"] == p.rawValue
                    && $0["gpu"] == base.gpu && $0["mode"] == base.mode.rawValue && $0["launch"] == base.launch.rawValue
                    && $0["streams"] == String(base.streams) }), let v = Double(r["speedup"] ?? "") else {
                    throw ConvtopError(.usage, "\(from!): no row for \(model) batch \(batch) \(p.rawValue) on \(base.gpu) (\(base.mode.rawValue), \(base.launch.rawValue), \(base.streams) streams)")
                }
                return v
            }
        }
        var s = base
        s.model = model; s.batch = batch
        let rows = Sweep.run(s, policies: policies)
        if let error = rows.first?.error { throw ConvtopError(.model, error) }
        return rows.map(\.speedup)
    }

    func csvRows(_ path: String) throws -> [[String: String]] {
        let text = String(decoding: try InputFile.read(path, what: "sweep CSV"), as: UTF8.self)
        guard let header = text.split(separator: "\n").first, header.split(separator: ",").contains("speedup") else {
            throw ConvtopError(.usage, "\(path): not a convtop sweep CSV (no header with a speedup column)")
        }
        return Sweep.csvRows(text, minFields: header.split(separator: ",").count)
    }
}
