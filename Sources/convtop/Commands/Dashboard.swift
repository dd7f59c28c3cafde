import ArgumentParser
import ConvtopCore

/// `convtop [MODEL]`: the live dashboard.
struct Dashboard: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dashboard", abstract: "Open the live dashboard (the default command).")
    @Argument(help: "Model name or graph file.") var model = "resnet50"
    @OptionGroup var flags: SimulationFlags

    func run() throws {
        let s = try flags.scenario(model: model)
        _ = try Workload(s)
        throw CLIError("the dashboard is not built yet")
    }
}
