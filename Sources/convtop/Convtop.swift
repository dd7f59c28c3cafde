import ArgumentParser
import ConvtopCore
import ConvtopUI
import Foundation

/// The `convtop` command: the dashboard by default, headless subcommands for scripts.
@main
struct Convtop: ParsableCommand {
    static let version = "0.1.0"
    static let configuration = CommandConfiguration(
        commandName: "convtop",
        abstract: "Simulate concurrent GPU execution of CNNs and watch it live.",
        discussion: "Run 'convtop MODEL' for the dashboard, or a subcommand for headless use.",
        version: version,
        subcommands: [Dashboard.self, Models.self, GPUs.self, Simulate.self, Compare.self, Bench.self, Validate.self,
                      TraceExport.self, Explain.self, Replay.self, Summary.self, Import.self, SweepCommand.self, Plot.self, ScheduleCommand.self, Auto.self, Watch.self, Calibrate.self],
        defaultSubcommand: Dashboard.self
    )

    /// Every failure ends with one line on stderr and exit code 2 (0 for --help and --version).
    static func main() {
        do {
            var command = try parseAsRoot(try withConfig(Array(CommandLine.arguments.dropFirst())))
            try command.run()
        } catch let e as ExitCode {
            Foundation.exit(e.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            let message: String
            switch error {
            case let e as ConvtopError: message = e.message
            default:
                message = oneLine(fullMessage(for: error))
            }
            // Names taken from input files may hold escape sequences: never echo them raw to the terminal.
            FileHandle.standardError.write(Data("convtop: error: \(SafeText.printable(message))\n".utf8))
            Foundation.exit(2)
        }
    }
}

/// ArgumentParser's message as one line, without its own "Error: " prefix (ours already says "error:"); a list of valid
/// values it prints one per line ("Please provide one of the following:\n  - serial\n  - …") joins onto that line.
func oneLine(_ full: String) -> String {
    let lines = full.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    guard var first = lines.first else { return full }
    if first.hasPrefix("Error: ") { first.removeFirst(7) }
    let choices = lines.dropFirst().prefix { $0.hasPrefix("- ") }.map { String($0.dropFirst(2)) }
    guard !choices.isEmpty, first.hasSuffix(":") else { return first }
    return first + " " + choices.joined(separator: ", ")
}

extension Convtop {
    /// The config file: `$CONVTOP_CONFIG` (empty: none), else `$XDG_CONFIG_HOME/convtop/config.toml` or
    /// `~/.config/convtop/config.toml`; missing is empty.
    static func config() throws -> ConfigFile {
        let env = ProcessInfo.processInfo.environment
        let path = env["CONVTOP_CONFIG"] ?? ConfigFile.defaultPath(environment: env)
        guard let path, !path.isEmpty else { return ConfigFile() }
        return try ConfigFile.load(path: path)
    }

    /// The dashboard's arguments with the config file's settings placed first, so that the user's own flags win;
    /// other commands' arguments unchanged.
    static func withConfig(_ args: [String]) throws -> [String] {
        let names = Set(configuration.subcommands.map { $0._commandName })
        let first = args.first ?? ""
        if ["-h", "--help", "--version", "help"].contains(first) || (names.contains(first) && first != "dashboard") { return args }
        let flags = try config().arguments().flags
        if flags.isEmpty { return args }
        return first == "dashboard" ? ["dashboard"] + flags + args.dropFirst() : flags + args
    }
}
