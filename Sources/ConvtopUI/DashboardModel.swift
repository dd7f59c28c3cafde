import ConvtopCore

/// The dashboard without a terminal: state, the current simulated iteration and its playback index. Keys and time
/// go in; a cell buffer comes out. The ncurses backend only feeds it and copies the buffer to the screen.
public final class DashboardModel {
    public private(set) var state: AppState
    public private(set) var workload: Workload
    public private(set) var result: IterationResult
    public private(set) var index: PlaybackIndex
    private var explained: GapAttribution?
    private var explainedIteration = -1
    public let glyphs: Glyphs
    let ascii: Bool
    /// Called with every finished iteration and every changed setting (session recording).
    public var onIteration: ((IterationResult, Workload, AppState) -> Void)?
    private var cache: [Scenario: Workload] = [:]
    /// Common dotted name prefix of each fork–join region's ops, computed when a region is first shown.
    private var prefixes: [Int: String] = [:]
    private var prefixesFor: Scenario?
    private var policyHits: [(PolicyKind, Rect)] = []
    /// The A/B view's compared iteration, kept while policy, iteration and settings stay.
    private var comparison: (policy: PolicyKind, iteration: Int, scenario: Scenario, index: PlaybackIndex, result: IterationResult)?
    /// Where the last frame drew each op of the branches panel.
    private var opHits: [(op: Int, rect: Rect)] = []
    /// Where the last frame drew each stream lane, so a click maps to a stream and an instant.
    private var laneHits: [TimelineWidget.LaneHit] = []
    /// The search match the cursor was last moved to, and the instant it was put at (kernels that start together
    /// are stepped through one by one, not skipped as one instant).
    private var lastMatch: (index: Int, at: Double)?
    /// Where the current workload's kernel times come from, worked out once per setting.
    private var sources: (scenario: Scenario, value: TimeSources)?

    /// Where the current workload's kernel times come from (`TimeSources`).
    var timeSources: TimeSources {
        if let s = sources, s.scenario == workload.scenario { return s.value }
        let v = workload.timeSources
        sources = (workload.scenario, v)
        return v
    }

    public init(scenario: Scenario, gpuNames: [String], ascii: Bool = false) throws {
        state = AppState(scenario: scenario, gpuNames: gpuNames)
        glyphs = ascii ? .ascii : .unicode
        self.ascii = ascii
        let w = try Workload(scenario)
        workload = w
        result = try w.run(scenario.policy, iteration: 0)
        index = PlaybackIndex(workload: w, result: result)
        cache[Self.key(scenario)] = w
        state.history.append(HistoryPoint(iterationMs: result.metrics.iterationMs, scenario: scenario))
    }

    /// The precision the GPU runs: TF32 asked of a GPU without TF32 tensor cores (T4, V100) runs fp32.
    var precisionLabel: String {
        state.scenario.precision == .tf32 && workload.gpu.tf32TFLOPS == 0 ? "fp32" : state.scenario.precision.rawValue
    }

    static func key(_ s: Scenario) -> Scenario { var k = s; k.policy = .serial; return k }

    private func workloadFor(_ s: Scenario) throws -> Workload {
        if let w = cache[Self.key(s)] { return w }
        let w = try Workload(s)
        if cache.count > 24 { cache.removeAll() }
        cache[Self.key(s)] = w
        return w
    }

    /// Simulates the next iteration of the current settings (or re-simulates after a change).
    private func simulate(previous: AppState, keepInstant: Bool = false) {
        do {
            let w = try workloadFor(state.scenario)
            let r = try w.run(state.scenario.policy, iteration: state.iteration)
            workload = w
            result = r
            index = PlaybackIndex(workload: w, result: r)
            // A new iteration starts at 0; a policy or setting change keeps the instant, to compare it.
            state.cursor = keepInstant ? min(previous.cursor, r.trace.iterationTime) : 0
            state.history.append(HistoryPoint(iterationMs: r.metrics.iterationMs, scenario: state.scenario))
            if state.history.count > 512 { state.history.removeFirst(state.history.count - 512) }
            onIteration?(r, w, state)
        } catch {
            // Keep the last good configuration on screen and say why the new one cannot run.
            let message = "\(error)"
            state.scenario = previous.scenario
            state.status = "cannot apply: " + message
            state.statusFrame = state.frame
        }
    }

    /// The longest common dotted prefix of a region's op names ("inception4a."), cached per workload.
    func namePrefix(of region: ForkJoinRegion) -> String {
        if prefixesFor != workload.scenario { prefixes.removeAll(); prefixesFor = workload.scenario }
        if let p = prefixes[region.fork] { return p }
        let names = region.branches.flatMap { $0 }.map { workload.graph.nodes[$0].name.split(separator: ".") }
        var common = names.first.map { Array($0) } ?? []
        for n in names.dropFirst() { common = Array(zip(common, n).prefix { $0.0 == $0.1 }.map(\.0)) }
        let p = common.isEmpty ? "" : common.joined(separator: ".") + "."
        prefixes[region.fork] = p
        return p
    }

    /// Handles one key; returns effects the backend must carry out (quit, export, recording).
    public func handle(_ key: Key) -> [Effect] {
        if state.searchEditing { editSearch(key); return [] }
        if !state.searchQuery.isEmpty, !state.showHelp {
            switch key {
            case .char("n"): jumpToMatch(forward: true); return []
            case .char("N"): jumpToMatch(forward: false); return []
            case .escape where !state.showInspector && !state.showExplain: state.searchQuery = ""; say("search cleared"); return []
            default: break
            }
        }
        var action = KeyMap.action(for: key)
        if action == .cycleFilter { cycleFilter(); return [] }
        if case .click(let x, let y) = key {
            action = policyHits.first { $0.1.contains(x: x, y: y) }.map { .selectPolicy($0.0) }
            // A click on an op in the branches panel moves the cursor to its first kernel and inspects it.
            if action == nil, let hit = opHits.first(where: { $0.rect.contains(x: x, y: y) }), index.opStart[hit.op].isFinite {
                let first = result.trace.kernels[workload.kernels.opKernels[hit.op][0]]
                inspect(at: Self.instant(in: first), stream: first.stream)
                return []
            }
            // A click on a stream lane moves the cursor there and inspects that stream's kernel.
            if action == nil, let lane = laneHits.first(where: { $0.row == y && x >= $0.x0 && x < $0.x0 + $0.cols }) {
                inspect(at: min(index.iterationUs, max(0, lane.start + (Double(x - lane.x0) + 0.5) / Double(lane.cols) * lane.span)),
                        stream: lane.stream)
                return []
            }
        }
        let scrolls: Set<Action> = [.scrollUp, .scrollDown, .pageUp, .pageDown]
        if state.showHelp, let a = action, a != .toggleHelp, a != .quit, a != .closeOverlay, !scrolls.contains(a) {
            state.showHelp = false
        }
        if state.showExplain, action == .toggleHelp { state.showExplain = false }
        guard let action else { return [] }
        let previous = state
        let effects = Reducer.reduce(&state, action, iterationUs: index.iterationUs, nextEventUs: index.nextEvent(after: state.cursor))
        var out: [Effect] = []
        for e in effects {
            if e == .resimulate {
                state.iteration += 1
                simulate(previous: previous, keepInstant: true)
            } else {
                out.append(e)
            }
        }
        return out
    }

    /// The next stream of this iteration to show alone (after the last one: all streams again).
    func cycleFilter() {
        let streams = index.streams
        if let f = state.filterStream, let i = streams.firstIndex(of: f), i + 1 < streams.count {
            state.filterStream = streams[i + 1]
        } else if state.filterStream == nil, let first = streams.first {
            state.filterStream = first
        } else {
            state.filterStream = nil
        }
        say(state.filterStream.map { "showing stream \($0) (f: next, all after the last)" } ?? "showing every stream")
    }

    /// `convtop watch`: a new trace from the user's run becomes the next iteration, re-simulated under the current
    /// policy (the same settings otherwise); the status line gives its measured and simulated times.
    public func follow(trace path: String) {
        let previous = state
        state.scenario.model = path
        state.iteration += 1
        simulate(previous: previous)
        guard state.scenario.model == path else { return }   // the trace could not be used: the status says why
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let ends = workload.trace?.kernels.map { $0.start + $0.duration } ?? [], starts = workload.trace?.kernels.map(\.start) ?? []
        let measured = (ends.max() ?? 0) - (starts.min() ?? 0)
        say("new trace \(name): measured \(String(format: "%.3f", measured / 1000)) ms, serial \(String(format: "%.3f", result.metrics.serialMs)) ms, \(state.scenario.policy.rawValue) \(String(format: "%.3f", result.metrics.iterationMs)) ms")
    }

    /// An instant just inside a kernel's run (a nanosecond after it starts, or its middle if shorter).
    static func instant(in r: KernelRecord) -> Double { r.start + min(0.001, (r.end - r.start) / 2) }

    /// Pauses at `t` with the inspector open on `stream`'s kernel there (clicks on lanes and ops).
    func inspect(at t: Double, stream: Int) {
        state.cursor = t
        state.inspectStream = stream
        state.showInspector = true
        state.paused = true
    }

    /// A key while the search is being typed: text, Backspace, Enter (jump to the first match after the cursor), Esc.
    func editSearch(_ key: Key) {
        switch key {
        case .enter:
            state.searchEditing = false
            if state.searchQuery.isEmpty { return }
            jumpToMatch(forward: true)
        case .escape, .ctrlC:
            state.searchEditing = false
            state.searchQuery = ""
        case .char(let c) where c == "\u{7f}" || c == "\u{8}":
            if !state.searchQuery.isEmpty { state.searchQuery.removeLast() }
        case .char(let c) where state.searchQuery.count < 64 && !c.isNewline && c.unicodeScalars.allSatisfy({ $0.value >= 0x20 }):
            state.searchQuery.append(c)
        default:
            break
        }
    }

    /// Kernels whose op or kernel name contains the search (case-insensitive), in start order.
    func searchMatches() -> [KernelRecord] {
        let q = state.searchQuery.lowercased()
        let kg = workload.kernels
        return result.trace.kernels.filter { r in
            let k = kg.kernels[r.kernel]
            return kg.graph.nodes[k.op].name.lowercased().contains(q) || k.name.lowercased().contains(q)
        }.sorted { ($0.start, $0.kernel) < ($1.start, $1.kernel) }
    }

    /// Moves the cursor into the next (or previous) match, wrapping around, and pauses there.
    func jumpToMatch(forward: Bool) {
        let matches = searchMatches()
        guard !matches.isEmpty else { say("no op or kernel matches '\(state.searchQuery)'"); return }
        let t = state.cursor
        let i: Int
        if let last = lastMatch, last.at == t, last.index < matches.count {
            i = (last.index + (forward ? 1 : matches.count - 1)) % matches.count
        } else {
            i = forward ? (matches.firstIndex { Self.instant(in: $0) > t + 1e-6 } ?? 0)
                        : (matches.lastIndex { Self.instant(in: $0) < t - 1e-6 } ?? matches.count - 1)
        }
        let r = matches[i]
        state.cursor = Self.instant(in: r)
        lastMatch = (i, state.cursor)
        state.paused = true
        state.inspectStream = r.stream
        let op = workload.kernels.graph.nodes[workload.kernels.kernels[r.kernel].op].name
        say("'\(state.searchQuery)' \(i + 1) of \(matches.count): \(op) (s\(r.stream)) · n/N")
    }

    /// The compared policy's iteration for the A/B view (same settings and iteration), simulated when first needed.
    func abComparison() -> (index: PlaybackIndex, result: IterationResult)? {
        guard let p = state.abPolicy, p != state.scenario.policy else { return nil }
        if let c = comparison, c.policy == p, c.iteration == state.iteration, c.scenario == workload.scenario { return (c.index, c.result) }
        guard let r = try? workload.run(p, iteration: state.iteration) else { return nil }
        let ix = PlaybackIndex(workload: workload, result: r)
        comparison = (p, state.iteration, workload.scenario, ix, r)
        return (ix, r)
    }

    /// Advances playback by `seconds` of wall time; moves to the next iteration at the end of this one.
    public func tick(seconds: Double) {
        state.frame += 1
        guard !state.paused else { return }
        state.cursor += seconds * state.speed * index.iterationUs / state.secondsPerIteration
        if state.cursor >= index.iterationUs {
            let previous = state
            state.iteration += 1
            simulate(previous: previous)
        }
    }

    /// Records a status message (from the backend: export done, recording toggled).
    public func say(_ message: String) {
        state.status = message
        state.statusFrame = state.frame
    }

    public func setRecording(available: Bool, active: Bool) {
        state.recordingAvailable = available
        state.recording = active
    }

    /// Draws the whole screen for a terminal of `width`×`height`.
    public func render(width: Int, height: Int) -> CellBuffer {
        var b = CellBuffer(width: width, height: height)
        // The A/B view stacks two sets of lanes: ask the layout for room for both.
        let lanes = index.streams.count + 1
        let l = Layout.compute(width: width, height: height, lanes: state.abPolicy == nil ? lanes : 2 * lanes + 4)
        if l.tooSmall {
            OverlayWidgets.tooSmall(&b)
            if ascii { b.asciify() }
            policyHits = []
            return b
        }
        HeaderWidgets.header(&b, l.header, state, streamsUsed: result.metrics.streamsUsed, precision: precisionLabel, glyphs: glyphs)
        policyHits = HeaderWidgets.policyBar(&b, l.policyBar, state)
        if let ab = abComparison() {
            // A/B: this policy above the compared one, halves of the streams panel, on one time axis.
            let top = Rect(x: l.timelines.x, y: l.timelines.y, width: l.timelines.width, height: l.timelines.height / 2)
            let bottom = Rect(x: top.x, y: top.maxY, width: top.width, height: l.timelines.height - top.height)
            let axis = max(index.iterationUs, ab.index.iterationUs)
            let a = result.metrics, bm = ab.result.metrics
            let delta = (a.iterationMs / max(bm.iterationMs, 1e-9) - 1) * 100
            func f(_ v: Double, _ d: Int) -> String { String(format: "%.\(d)f", v) }
            let titleA = "A \(state.scenario.policy.rawValue) \(f(a.iterationMs, 3)) ms · \(delta >= 0 ? "+" : "")\(f(delta, 1))% vs B · SM \(f(a.smUtilization * 100, 0))%"
            let titleB = "B \(ab.result.policy.rawValue) \(f(bm.iterationMs, 3)) ms · SM \(f(bm.smUtilization * 100, 0))% · v closes"
            laneHits = TimelineWidget.draw(&b, top, state, self, glyphs: glyphs, title: titleA, axisUs: axis)
            TimelineWidget.draw(&b, bottom, state, self, glyphs: glyphs, source: (ab.index, ab.result), title: titleB, axisUs: axis)
        } else {
            laneHits = TimelineWidget.draw(&b, l.timelines, state, self, glyphs: glyphs)
        }
        SMWidget.draw(&b, l.sms, state, self, glyphs: glyphs)
        var ops: [(Int, Rect)] = []
        BranchWidget.draw(&b, l.branches, state, self, glyphs: glyphs) { ops.append(($0, $1)) }
        opHits = ops
        StatsWidget.draw(&b, l.stats, state, self, glyphs: glyphs)
        HeaderWidgets.footer(&b, l.footer, state)
        if state.showExplain && !state.showHelp { ExplainWidget.draw(&b, explanation, glyphs: glyphs) }
        if state.showInspector && !state.showHelp { InspectorWidget.draw(&b, state, self, glyphs: glyphs) }
        if state.showHelp { OverlayWidgets.help(&b, scroll: state.helpScroll, glyphs: glyphs) }
        if ascii { b.asciify() }
        return b
    }

    /// The gap attribution of the iteration on screen, computed when first shown and kept until the next one.
    public var explanation: GapAttribution {
        if let e = explained, e.iterationUs == result.trace.iterationTime, explainedIteration == state.iteration { return e }
        let e = GapAttribution(workload: workload, result: result)
        explained = e
        explainedIteration = state.iteration
        return e
    }

    /// Renders one panel alone (for snapshot tests of each widget).
    public func renderPanel(_ panel: Panel, width: Int, height: Int) -> CellBuffer {
        var b = CellBuffer(width: width, height: height)
        let r = Rect(x: 0, y: 0, width: width, height: height)
        switch panel {
        case .header: HeaderWidgets.header(&b, r, state, streamsUsed: result.metrics.streamsUsed, precision: precisionLabel, glyphs: glyphs)
        case .policy: HeaderWidgets.policyBar(&b, r, state)
        case .timelines: TimelineWidget.draw(&b, r, state, self, glyphs: glyphs)
        case .sms: SMWidget.draw(&b, r, state, self, glyphs: glyphs)
        case .branches: BranchWidget.draw(&b, r, state, self, glyphs: glyphs)
        case .stats: StatsWidget.draw(&b, r, state, self, glyphs: glyphs)
        case .footer: HeaderWidgets.footer(&b, r, state)
        case .help: OverlayWidgets.help(&b, scroll: state.helpScroll, glyphs: glyphs)
        case .explain: ExplainWidget.draw(&b, explanation, glyphs: glyphs)
        case .inspector: InspectorWidget.draw(&b, state, self, glyphs: glyphs)
        }
        if ascii { b.asciify() }
        return b
    }
}

/// The dashboard's panels and overlays, each drawable on its own (snapshot tests draw them one by one).
public enum Panel: String, Sendable, CaseIterable {
    case header, policy, timelines, sms, branches, stats, footer, help, explain, inspector
}
