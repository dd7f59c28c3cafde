import ConvtopCore
import Foundation

/// Records a dashboard session: the header, each key that did something, each simulated iteration.
public final class SessionRecorder {
    let writer: SessionWriter
    let start = Date()
    let traces: Bool
    public var active = true

    public init(path: String, overwrite: Bool = false, version: String, scenario: Scenario, traces: Bool,
                size: (width: Int, height: Int), model: DashboardModel) throws {
        writer = try SessionWriter(path: path, overwrite: overwrite)
        self.traces = traces
        writer.write(SessionLog.Header(convtop: version, scenario: scenario, terminal: size, startTime: start, traces: traces))
        iteration(model.result, model.workload, model.state)
    }

    var now: Double { Date().timeIntervalSince(start) }

    public func action(_ key: Key, before: AppState, after: AppState) {
        guard active else { return }
        let changed = SessionLog.changes(before.scenario, after.scenario)
        var c = changed
        if before.paused != after.paused { c["paused"] = String(after.paused) }
        if before.zoom != after.zoom { c["zoom"] = String(after.zoom) }
        if before.speed != after.speed { c["speed"] = String(after.speed) }
        if c.isEmpty && before.iteration == after.iteration && before.showHelp == after.showHelp && before.showExplain == after.showExplain { return }
        writer.write(SessionLog.Action(t: now, key: Self.name(key), changed: c))
    }

    public func iteration(_ r: IterationResult, _ w: Workload, _ s: AppState) {
        guard active else { return }
        var cfg = s.scenario
        cfg.policy = r.policy
        let rows = traces ? r.trace.kernels.map {
            SessionLog.KernelRow(kernel: $0.kernel, stream: $0.stream, sms: $0.smsUsed, start: $0.start, end: $0.end, blocks: $0.blocks)
        } : nil
        writer.write(SessionLog.Iteration(t: now, iteration: r.iteration, config: cfg, metrics: r.metrics, kernels: rows))
    }

    /// The key as written in the log, and back.
    public static func name(_ k: Key) -> String {
        switch k {
        case .char(let c): return String(c)
        case .left: return "left"
        case .right: return "right"
        case .up: return "up"
        case .down: return "down"
        case .home: return "home"
        case .end: return "end"
        case .pageUp: return "pgup"
        case .pageDown: return "pgdn"
        case .tab: return "tab"
        case .backTab: return "backtab"
        case .escape: return "esc"
        case .enter: return "enter"
        case .function(let n): return "f\(n)"
        case .ctrlC: return "ctrl-c"
        case .click(let x, let y): return "click \(x) \(y)"
        }
    }

    public static func key(_ name: String) -> Key? {
        switch name {
        case "left": return .left
        case "right": return .right
        case "up": return .up
        case "down": return .down
        case "home": return .home
        case "end": return .end
        case "pgup": return .pageUp
        case "pgdn": return .pageDown
        case "tab": return .tab
        case "backtab": return .backTab
        case "esc": return .escape
        case "enter": return .enter
        case "ctrl-c": return .ctrlC
        default:
            if name.hasPrefix("f"), let n = Int(name.dropFirst()) { return .function(n) }
            if name.hasPrefix("click ") {
                let p = name.split(separator: " ").compactMap { Int($0) }
                return p.count == 2 ? .click(x: p[0], y: p[1]) : nil
            }
            return name.count == 1 ? .char(Character(name)) : nil
        }
    }
}
