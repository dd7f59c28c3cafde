import ArgumentParser
import ConvtopCore
import ConvtopUI
import Foundation

/// How the dashboard draws, shared by `convtop [MODEL]` and `convtop replay`.
struct DisplayFlags: ParsableArguments {
    @Flag(help: "Draw with ASCII only (automatic when the locale is not UTF-8).") var ascii = false
    @Flag(name: .customLong("no-color"), help: "No colours (also when NO_COLOR is set).") var noColor = false
    @Flag(name: .customLong("no-mouse"), help: "Do not capture the mouse.") var noMouse = false
    @Option(help: "Colours for a dark or a light terminal background.") var theme = Theme.dark

    /// Builds and simulates first, so that bad input fails with one line before the terminal is touched.
    func model(_ s: Scenario) throws -> DashboardModel {
        try DashboardModel(scenario: s, gpuNames: GPUCatalog.names(), ascii: ascii || !NcursesScreen.localeIsUTF8())
    }

    func openScreen() throws -> NcursesScreen {
        try NcursesScreen(color: !noColor && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty, mouse: !noMouse,
                          theme: theme)
    }
}

/// After the terminal is restored: a run stopped by a signal exits 128 + the signal, as shells expect.
func exitIfSignalled() throws {
    if terminationRequested != 0 { throw ExitCode(128 + terminationRequested) }
}
