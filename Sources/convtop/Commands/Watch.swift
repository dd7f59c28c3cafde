import ArgumentParser
import ConvtopCore
import ConvtopUI
import Foundation

/// `convtop watch DIR`: follows the folder a training run's `torch.profiler` (tensorboard_trace_handler) writes
/// traces to; each new trace becomes the next iteration on the dashboard, re-simulated under the chosen policy.
struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Follow a folder of PyTorch profiler traces: each new one becomes the dashboard's next iteration.")
    @Argument(help: "The folder torch.profiler's tensorboard_trace_handler writes to.") var folder: String
    @OptionGroup var flags: SimulationFlags
    @Option(parsing: .unconditional, help: "Frames per second.") var fps = 30
    @Option(parsing: .unconditional, help: "Exit after this many frames (for scripts).") var frames: Int?
    @Option(parsing: .unconditional, help: "Seconds to wait for the first trace before giving up.") var wait = 600
    @OptionGroup var display: DisplayFlags

    func run() throws {
        guard fps >= 1 && fps <= 240 else { throw ConvtopError(.usage, "--fps must be between 1 and 240") }
        guard wait >= 0 && wait <= 86_400 else { throw ConvtopError(.usage, "--wait must be between 0 and 86400 seconds") }
        var dir = try TraceFolder(path: folder)
        // The first finished trace, before the terminal is touched (a bad trace fails with one line here).
        var first: String?
        let deadline = Date().addingTimeInterval(Double(wait))
        var said = false
        while first == nil {
            first = dir.poll()
            if first != nil { break }
            guard Date() < deadline else { throw ConvtopError(.usage, "no profiler trace (.json or .json.gz) appeared in \(SafeText.printable(folder)) within \(wait) s") }
            if !said { FileHandle.standardError.write(Data("convtop: waiting for a trace in \(SafeText.printable(folder)) (Ctrl-C stops)\n".utf8)); said = true }
            Thread.sleep(forTimeInterval: 0.5)
        }
        let s = try flags.scenario(model: first!)
        let model = try display.model(s)
        let screen = try display.openScreen()
        defer { screen.close() }
        var loop = DashboardLoop(screen: screen, model: model, fps: fps, maxFrames: frames, recorder: nil)
        loop.everySecond = { if let next = dir.poll() { model.follow(trace: next) } }
        try loop.run()
        try exitIfSignalled()
    }
}
