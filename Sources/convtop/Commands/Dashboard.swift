import ArgumentParser
import ConvtopCore
import ConvtopUI
import Foundation

/// `convtop [MODEL]`: the live dashboard.
struct Dashboard: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dashboard",
        abstract: "Open the live dashboard (the default command: 'convtop resnet50').")
    @Argument(help: "Model name or graph file (default: the config file's model, else resnet50).") var model: String?
    @OptionGroup var flags: SimulationFlags
    @Option(parsing: .unconditional, help: "Frames per second.") var fps = 30
    @Option(parsing: .unconditional, help: "Exit after this many frames (for scripts).") var frames: Int?
    @OptionGroup var display: DisplayFlags
    @Option(help: "Record the session as JSON Lines to this file.") var record: String?
    @Flag(name: .customLong("record-traces"), help: "With --record, add every kernel of every iteration.") var recordTraces = false
    @Option(help: "Record the screen as an asciicast v2 file (asciinema play FILE.cast).") var cast: String?
    @Flag(help: "Overwrite an existing record or cast file.") var force = false

    func run() throws {
        guard fps >= 1 && fps <= 240 else { throw ConvtopError(.usage, "--fps must be between 1 and 240") }
        if let f = frames, f < 1 { throw ConvtopError(.usage, "--frames must be at least 1") }
        let configured = try Convtop.config().arguments().model
        let s = try flags.scenario(model: model ?? configured ?? "resnet50")
        if let record { try checkWritable(record, force: force) }
        if let cast { try checkWritable(cast, force: force) }
        if let record, let cast, record == cast { throw ConvtopError(.usage, "--record and --cast need different files") }
        // Everything that can fail on bad input happens before the terminal is touched.
        let model = try display.model(s)
        let screen = try display.openScreen()
        defer { screen.close() }
        var recorder: SessionRecorder?
        if let record {
            recorder = try SessionRecorder(path: record, overwrite: force, version: Convtop.version, scenario: s, traces: recordTraces, size: screen.size, model: model)
            model.setRecording(available: true, active: true)
            model.onIteration = { r, w, st in recorder?.iteration(r, w, st) }
        }
        var loop = DashboardLoop(screen: screen, model: model, fps: fps, maxFrames: frames, recorder: recorder)
        if let cast { loop.cast = try CastWriter(path: cast, overwrite: force, width: screen.size.width, height: screen.size.height) }
        try loop.run()
        try exitIfSignalled() // the deferred close restores the terminal first
    }
}
