import ConvtopCore

/// Applies an action to the state; returns the effects the outside world must carry out.
/// Pure: it needs the current iteration's length only to seek and step.
public enum Reducer {
    /// The same limits the command line validates (Scenario).
    public static let maxBatch = Scenario.maxBatch
    public static let maxStreams = Scenario.maxStreams

    public static func reduce(_ s: inout AppState, _ action: Action, iterationUs: Double, nextEventUs: Double? = nil) -> [Effect] {
        func say(_ m: String) { s.status = m; s.statusFrame = s.frame }
        switch action {
        case .selectPolicy(let p):
            guard p != s.scenario.policy else { say("policy \(p.rawValue) (already)"); return [] }
            s.previousPolicy = s.scenario.policy
            s.scenario.policy = p
            say("policy → \(p.rawValue)")
            return [.resimulate]
        case .cyclePolicy:
            let all = PolicyKind.allCases
            s.previousPolicy = s.scenario.policy
            s.scenario.policy = all[(all.firstIndex(of: s.scenario.policy)! + 1) % all.count]
            say("policy → \(s.scenario.policy.rawValue)")
            return [.resimulate]
        case .togglePause:
            s.paused.toggle()
            say(s.paused ? "paused" : "playing")
        case .nextIteration:
            return [.resimulate]
        case .stepEvent:
            s.paused = true
            if let t = nextEventUs { s.cursor = t }
        case .seekBackward:
            s.cursor = max(0, s.cursor - iterationUs * s.zoom * 0.05)
        case .seekForward:
            s.cursor = min(iterationUs, s.cursor + iterationUs * s.zoom * 0.05)
        case .seekStart:
            s.cursor = 0
        case .seekEnd:
            s.cursor = iterationUs
            s.paused = true
        case .scrollUp, .scrollDown, .pageUp, .pageDown:
            guard s.showHelp else { return [] }
            let step = action == .scrollUp ? -1 : (action == .scrollDown ? 1 : (action == .pageUp ? -10 : 10))
            s.helpScroll = max(0, min(OverlayWidgets.helpLineCount - 1, s.helpScroll + step))
        case .zoomIn:
            s.zoom = max(1.0 / 256, s.zoom / 2)
            say("zoom ×\(Int((1 / s.zoom).rounded()))")
        case .zoomOut:
            s.zoom = min(1, s.zoom * 2)
            say("zoom ×\(Int((1 / s.zoom).rounded()))")
        case .slower:
            s.speed = max(1.0 / 64, s.speed / 2)
            say("speed ×\(speedLabel(s.speed))")
        case .faster:
            s.speed = min(64, s.speed * 2)
            say("speed ×\(speedLabel(s.speed))")
        case .halveBatch:
            guard s.scenario.batch > 1 else { say("batch is already 1"); return [] }
            s.scenario.batch = max(1, s.scenario.batch / 2)
            say("batch → \(s.scenario.batch)")
            return [.resimulate]
        case .doubleBatch:
            guard s.scenario.batch < maxBatch else { say("batch is at its maximum (\(maxBatch))"); return [] }
            s.scenario.batch = min(maxBatch, s.scenario.batch * 2)
            say("batch → \(s.scenario.batch)")
            return [.resimulate]
        case .toggleMode:
            s.scenario.mode = s.scenario.mode == .inference ? .training : .inference
            say("mode → \(s.scenario.mode.rawValue)")
            return [.resimulate]
        case .nextGPU:
            guard !s.gpuNames.isEmpty else { say("no other GPU profiles"); return [] }
            let i = s.gpuNames.firstIndex(of: s.scenario.gpu) ?? -1
            s.scenario.gpu = s.gpuNames[(i + 1) % s.gpuNames.count]
            say("gpu → \(s.scenario.gpu)")
            return [.resimulate]
        case .toggleLaunch:
            s.scenario.launch = s.scenario.launch == .eager ? .graph : .eager
            say("launch → \(s.scenario.launch.rawValue)")
            return [.resimulate]
        case .toggleProcess:
            s.scenario.process = s.scenario.process == .clean ? nil : .clean
            say("process → \((s.scenario.process ?? .profiled).rawValue)")
            return [.resimulate]
        case .fewerStreams:
            guard s.scenario.streams > 1 else { say("streams is already 1"); return [] }
            s.scenario.streams -= 1
            say("streams → \(s.scenario.streams)")
            return [.resimulate]
        case .moreStreams:
            guard s.scenario.streams < maxStreams else { say("streams is at its maximum (\(maxStreams))"); return [] }
            s.scenario.streams += 1
            say("streams → \(s.scenario.streams)")
            return [.resimulate]
        case .toggleRecording:
            guard s.recordingAvailable else { say("no record file: start convtop with --record FILE"); return [] }
            return [.toggleRecording]
        case .exportTrace:
            return [.exportTrace]
        case .toggleHelp:
            s.showHelp.toggle()
            s.helpScroll = 0
        case .toggleExplain:
            s.showExplain.toggle()
            s.showInspector = false
        case .toggleAB:
            if s.abPolicy != nil {
                s.abPolicy = nil
            } else {
                let b = s.previousPolicy.flatMap { $0 == s.scenario.policy ? nil : $0 } ?? (s.scenario.policy == .serial ? .branch : .serial)
                s.abPolicy = b
                say("A/B: \(s.scenario.policy.rawValue) above \(b.rawValue) (v closes)")
            }
        case .cycleFilter:
            // The reducer does not know the streams in use: the model moves the filter (DashboardModel.cycleFilter).
            break
        case .startSearch:
            s.searchEditing = true
            s.searchQuery = ""
        case .toggleInspector:
            s.showInspector.toggle()
            s.showExplain = false
        case .closeOverlay:
            s.showHelp = false
            s.showExplain = false
            s.showInspector = false
        case .quit:
            s.quitting = true
            return [.quit]
        }
        return []
    }

    static func speedLabel(_ v: Double) -> String {
        v >= 1 ? String(Int(v)) : "1/\(Int((1 / v).rounded()))"
    }
}
