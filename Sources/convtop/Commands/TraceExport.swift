import ArgumentParser
import ConvtopCore
import Foundation

/// `convtop trace MODEL -o FILE.json`: Chrome Trace Event export of one simulated iteration.
struct TraceExport: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "trace",
        abstract: "Export one simulated iteration as Chrome Trace Event JSON (Perfetto, chrome://tracing).")

    @Argument(help: "Model name or graph file.") var model: String
    @OptionGroup var flags: SimulationFlags
    @Option(name: .shortAndLong, help: "Output file (.json).") var output: String
    @Flag(help: "Overwrite the output file if it exists.") var force = false

    func run() throws {
        let s = try flags.scenario(model: model)
        try checkWritable(output, force: force)
        let w = try Workload(s)
        let r = try w.run(s.policy)
        let text = ChromeTrace.render(workload: w, result: r)
        do { try text.write(toFile: output, atomically: true, encoding: .utf8) } catch {
            throw CLIError("\(output): cannot write the trace (\(error.localizedDescription))")
        }
        print("wrote \(output): \(r.trace.kernels.count) kernels on \(r.schedule.streamCount) streams, iteration \(fmt(r.metrics.iterationMs)) ms; open it in ui.perfetto.dev")
    }
}

/// Fails before any work when `path` exists (without --force) or its folder cannot be written.
func checkWritable(_ path: String, force: Bool) throws {
    let fm = FileManager.default
    if fm.fileExists(atPath: path) && !force {
        throw CLIError("\(path) already exists; pass --force to overwrite it")
    }
    let dir = (path as NSString).deletingLastPathComponent
    let folder = dir.isEmpty ? "." : dir
    var isDir: ObjCBool = false
    guard fm.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue, fm.isWritableFile(atPath: folder) else {
        throw CLIError("\(path): the folder '\(folder)' does not exist or cannot be written")
    }
}
