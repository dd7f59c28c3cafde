import ArgumentParser
import ConvtopCore
import Foundation

/// `convtop trace MODEL -o FILE.json`: Chrome Trace Event export of one simulated iteration.
struct TraceExport: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "trace",
        abstract: "Export one simulated iteration as Chrome Trace Event JSON (Perfetto, chrome://tracing).")

    @Argument(help: "Model name or graph file.") var model: String
    @OptionGroup var flags: SimulationFlags
    @Option(name: .shortAndLong, help: "Output file (.json), or - for standard output.") var output: String
    @Flag(help: "Overwrite the output file if it exists.") var force = false

    func run() throws {
        let s = try flags.scenario(model: model)
        try checkWritable(output, force: force)
        let w = try Workload(s)
        let r = try w.run(s.policy)
        let text = ChromeTrace.render(workload: w, result: r)
        try OutputFile.write(text, to: output, overwrite: force)
        if output == "-" { return }
        print("wrote \(output): \(r.trace.kernels.count) kernels on \(r.schedule.streamCount) streams, iteration \(fmt(r.metrics.iterationMs)) ms; open it in ui.perfetto.dev")
    }
}

/// Fails before any work when `path` exists (without --force), is not a regular file, or its folder cannot be written.
func checkWritable(_ path: String, force: Bool) throws {
    try OutputFile.check(path: path, overwrite: force)
}
