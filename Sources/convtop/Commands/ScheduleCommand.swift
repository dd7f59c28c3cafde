import ArgumentParser
import ConvtopCore
import Foundation

/// `convtop schedule MODEL -o FILE`: a policy's schedule as a file (op → stream, launch order, priority, SM range,
/// cross-stream waits) that a runtime can replay, and `convtop simulate --schedule FILE` reads back.
struct ScheduleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "schedule",
        abstract: "Write a policy's schedule (streams, launch order, priorities, SM ranges, events) as JSON.")

    @Argument(help: "Model name or file.") var model: String
    @OptionGroup var flags: SimulationFlags
    @Option(name: [.short, .customLong("output")], help: "Output file ('-' for standard output).") var output = "-"
    @Flag(help: "Overwrite an existing output file.") var force = false

    func run() throws {
        try OutputFile.check(path: output, overwrite: force)
        let s = try flags.scenario(model: model)
        let w = try Workload(s)
        try OutputFile.write(try ScheduleFile.encode(w.schedule(s.policy), workload: w), to: output, overwrite: force)
    }
}
