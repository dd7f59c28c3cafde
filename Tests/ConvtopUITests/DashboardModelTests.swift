import Foundation
import Testing
@testable import ConvtopCore
@testable import ConvtopUI

struct DashboardModelTests {
    /// `--process clean` reaches the dashboard: its header names the process, and the iteration is shorter than in the
    /// profiled process the profiles default to (no host cost per graph node before the device starts).
    @Test func aCleanProcessShowsInTheHeaderAndRunsFaster() throws {
        var s = Scenario()
        s.model = "googlenet"; s.gpu = "h200"; s.batch = 1; s.policy = .branch; s.launch = .graph; s.seed = 7
        let profiled = try DashboardModel(scenario: s, gpuNames: ["h200"], ascii: false)
        s.process = .clean
        let clean = try DashboardModel(scenario: s, gpuNames: ["h200"], ascii: false)
        #expect(clean.renderPanel(.header, width: 160, height: 1).text().contains("clean process"))
        #expect(!profiled.renderPanel(.header, width: 160, height: 1).text().contains("clean process"))
        #expect(clean.result.metrics.iterationMs < profiled.result.metrics.iterationMs)
    }

    @Test func policySwitchResimulatesAndShowsOnScreen() throws {
        let m = try fixedModel()
        let before = m.result.metrics.iterationMs
        _ = m.handle(.char("1"))
        #expect(m.result.policy == .serial)
        #expect(m.result.metrics.iterationMs > before)
        #expect(m.state.history.map(\.policy) == [.branch, .serial])
        let screen = m.render(width: 120, height: 40).text()
        #expect(screen.contains("· serial ·"))
        #expect(screen.contains("policy → serial"))
    }

    /// Switching policy keeps the playback instant (to compare the same moment); the stats table lists each policy's
    /// best time at the current settings only, and a batch change starts a new table.
    @Test func policySwitchKeepsTheInstantAndTheTableKeepsToOneSetting() throws {
        let m = try fixedModel()
        for _ in 0..<3 { _ = m.handle(.right) }
        let instant = m.state.cursor
        #expect(instant > 0)
        _ = m.handle(.char("1"))
        #expect(m.state.cursor == instant)
        _ = m.handle(.char("3"))
        var screen = m.render(width: 120, height: 40).text()
        #expect(screen.contains("best per policy, these settings"))
        #expect(screen.contains("serial") && screen.contains("▶ branch"))
        _ = m.handle(.char("B"))  // double the batch: the earlier times are not comparable
        #expect(m.state.scenario.batch == 2)
        screen = m.render(width: 120, height: 40).text()
        let table = screen.components(separatedBy: "best per policy, these settings").last ?? ""
        #expect(!table.contains("  serial ") && table.contains("branch"))
        #expect(m.state.history.map(\.setting.batch) == [1, 1, 1, 2])
    }

    /// The parallelism chart takes each column's largest sample: its tallest bar reaches the top its label states,
    /// and the cursor's marker is drawn even where the legend would sit.
    @Test func parallelismChartKeepsItsPeaks() throws {
        let m = try fixedModel(model: "googlenet")
        let lines = m.renderPanel(.branches, width: 90, height: 14).lines()
        let ops = try #require(lines.first { $0.hasPrefix("│ops") })
        #expect(ops.contains("█"))
        #expect(lines.contains { $0.contains("top ") && $0.contains("^") })
        // Each branch's module heads its column, so its ops are named within it and never read alike across columns.
        #expect(lines.contains { $0.contains("branch2") && $0.contains("branch3") && !$0.contains("conv") })
        // Serial uses one stream of the pool; the header says so.
        _ = m.handle(.char("1"))
        #expect(m.render(width: 200, height: 60).text().contains("1 of 8 streams"))
    }

    /// At 80×24 the help cannot show every key: it says which lines it shows, scrolls to the last one (quit), and
    /// cuts long lines at a word with an ellipsis.
    @Test func helpScrollsAt80x24() throws {
        let m = try fixedModel()
        _ = m.handle(.char("?"))
        var screen = m.render(width: 80, height: 24).text()
        #expect(screen.contains("↑↓ scroll · 1–"))
        #expect(!screen.contains("q ^C F10"))
        for _ in 0..<5 { _ = m.handle(.pageDown) }
        screen = m.render(width: 80, height: 24).text()
        #expect(screen.contains("q ^C F10") && screen.contains("of \(OverlayWidgets.helpLineCount)"))
        #expect(screen.contains("glyphs") && screen.contains("waiting"))   // the glyph legend closes the help
        #expect(m.state.showHelp)
        _ = m.handle(.escape)
        #expect(!m.state.showHelp)
    }

    /// The SM panel spreads the SMs over its whole width, and an idle SM is a dot, not the lowest bar a lightly
    /// loaded SM shows.
    @Test func smPanelUsesItsWidthAndShowsIdleSMsApart() throws {
        let m = try fixedModel(model: "googlenet")
        let lines = m.renderPanel(.sms, width: 150, height: 8).lines()
        let title = try #require(lines.first)
        let busy = try #require(Int(title.split(separator: "·")[1].split(separator: "/")[0].trimmingCharacters(in: .whitespaces)))
        let bars = try #require(lines.dropLast(2).last)
        let cells = Array(bars.dropFirst().dropLast())
        #expect(cells.count == 148)
        let barCols = cells.filter { $0 != "·" && $0 != " " }.count
        #expect(abs(barCols - busy * 148 / 132) <= 2, "\(barCols) bar columns for \(busy) busy SMs")
        #expect(cells.filter { $0 == "·" }.count == 148 - barCols)
    }

    @Test func playbackRollsIntoTheNextIteration() throws {
        let m = try fixedModel()
        _ = m.handle(.char(" ")) // resume
        let it = m.state.iteration
        for _ in 0..<200 { m.tick(seconds: 1.0 / 30) }   // > 4 s: at least one whole iteration
        #expect(m.state.iteration > it)
        #expect(m.state.history.count >= 2)
        #expect(m.state.cursor < m.index.iterationUs)
    }

    @Test func clickingAPolicyPicksIt() throws {
        let m = try fixedModel()
        let screen = m.render(width: 120, height: 40).lines()
        let x = screen[1].distance(from: screen[1].startIndex, to: screen[1].range(of: "nimble")!.lowerBound)
        _ = m.handle(.click(x: x + 1, y: 1))
        #expect(m.state.scenario.policy == .nimble)
        _ = m.handle(.click(x: 0, y: 30))
        #expect(m.state.scenario.policy == .nimble)
    }

    @Test func aSettingThatCannotRunKeepsTheLastOneAndSaysWhy() throws {
        let m = try fixedModel(model: "googlenet")
        // T4 profile exists; a made-up GPU name does not.
        var s = m.state
        s.gpuNames = ["nonexistent"]
        let m2 = try DashboardModel(scenario: s.scenario, gpuNames: ["nonexistent"])
        _ = m2.handle(.char("g"))
        #expect(m2.state.scenario.gpu == "h100")
        #expect(m2.state.status.contains("cannot apply"))
        #expect(m2.state.status.contains("nonexistent"))
    }

    @Test func stepMovesToTheNextKernelEvent() throws {
        let m = try fixedModel()
        let t0 = m.state.cursor
        _ = m.handle(.char("."))
        #expect(m.state.cursor > t0)
        #expect(m.index.eventTimes.contains(m.state.cursor))
    }
}

/// The SM panel names the partitions of the kernels running at the cursor under green contexts.
struct PartitionTitleTests {
    @Test func smPanelShowsGreenContextPartitions() throws {
        let m = try fixedModel()
        _ = m.handle(.char("0"))
        #expect(m.state.scenario.policy == .greenContexts)
        var found = false
        for step in 0..<20 where !found {
            _ = m.handle(.right)
            let title = m.renderPanel(.sms, width: 150, height: 8).lines()[0]
            found = title.contains(" · SMs ") && title.contains("|")
            _ = step
        }
        #expect(found)
    }
}

/// Grids launched but waiting in the in-order dispatcher are shown as queued, apart from running ones.
struct QueuedDisplayTests {
    @Test func queuedGridsAreNamedInBranchesSMTitleAndTimeline() throws {
        var s = Scenario()
        s.model = "inception_v3"; s.gpu = "h100"; s.batch = 32; s.policy = .branch; s.launch = .graph; s.seed = 7
        let m = try DashboardModel(scenario: s, gpuNames: ["h100"], ascii: false)
        let ix = m.index
        // An op whose first grid waited in the dispatcher: queued between then and its first block, running after.
        let op = try #require(m.workload.kernels.activeOps.max { ix.opStart[$0] - ix.opQueuedFrom[$0] < ix.opStart[$1] - ix.opQueuedFrom[$1] })
        #expect(ix.opQueuedFrom[op].isFinite)
        let t = (ix.opQueuedFrom[op] + ix.opStart[op]) / 2
        #expect(ix.state(of: op, at: t) == .queued)
        #expect(ix.state(of: op, at: ix.opStart[op]) == .running)
        #expect(ix.queuedGrids(at: t) >= 1)
        // Most grids never wait beyond the launch latency and grid pacing: they are not called queued.
        #expect(ix.queuedSpans.count < m.result.trace.kernels.count / 2)
    }
}

/// The kernel inspector (Enter, i, or a click on a lane).
struct InspectorTests {
    @Test func enterInspectsTheLargestKernelAtTheCursorAndEscCloses() throws {
        let m = try fixedModel()
        _ = m.handle(.enter)
        #expect(m.state.showInspector)
        let rec = try #require(InspectorWidget.kernel(at: m.state.cursor, stream: nil, m))
        let running = m.result.trace.kernels.filter { $0.start <= m.state.cursor && m.state.cursor < $0.end }
        #expect(running.isEmpty || rec.blocks == running.map(\.blocks).max())
        let k = m.workload.kernels.kernels[rec.kernel]
        let text = m.render(width: 120, height: 40).text()
        #expect(text.contains(k.displayName) && text.contains("grid \(k.grid)") && text.contains("per SM"))
        _ = m.handle(.escape)
        #expect(!m.state.showInspector)
    }

    @Test func clickOnALanePicksThatStreamsKernelAtThatInstant() throws {
        let m = try fixedModel()
        let screen = m.render(width: 120, height: 40).lines()
        // The lane of stream 1: its label is at the start of a row of the streams panel.
        let row = try #require(screen.firstIndex { $0.contains("│stream 1 ") })
        let col = 11 + 60  // the middle of the lane's time axis
        _ = m.handle(.click(x: col, y: row))
        #expect(m.state.showInspector && m.state.inspectStream == 1 && m.state.paused)
        let rec = try #require(InspectorWidget.kernel(at: m.state.cursor, stream: 1, m))
        #expect(rec.stream == 1)
        #expect(InspectorWidget.lines(m.state, m).contains { $0.1.contains("stream 1") })
    }
}

/// Search (`/`): typed text, Enter jumps to the first match after the cursor, n/N step through the matches.
struct SearchTests {
    @Test func slashTypesAQueryAndNStepsThroughMatches() throws {
        let m = try fixedModel()
        let start = m.state.cursor
        _ = m.handle(.char("/"))
        #expect(m.state.searchEditing)
        for c in "inception4eq" { _ = m.handle(.char(c)) }   // q is text here, not quit
        _ = m.handle(.char("\u{7f}"))                         // Backspace removes it
        #expect(m.state.searchQuery == "inception4e" && !m.state.quitting)
        #expect(m.render(width: 120, height: 40).lines().last!.contains("/inception4e_"))
        _ = m.handle(.enter)
        #expect(!m.state.searchEditing && m.state.paused)
        let names = m.workload.kernels.graph.nodes
        let matches = m.result.trace.kernels.filter { names[m.workload.kernels.kernels[$0.kernel].op].name.contains("inception4e") }
            .sorted { ($0.start, $0.kernel) < ($1.start, $1.kernel) }
        let i = try #require(matches.firstIndex { $0.start > start })
        let first = matches[i], second = matches[i + 1]
        #expect(m.state.cursor >= first.start && m.state.cursor < first.end)
        #expect(m.state.status.contains("\(i + 1) of \(matches.count)"))
        // n steps to the next match in start order, even one that starts at the same instant on another stream.
        _ = m.handle(.char("n"))
        #expect(m.state.cursor >= second.start && m.state.cursor < second.end)
        #expect(m.state.status.contains("\(i + 2) of \(matches.count)") && m.state.inspectStream == second.stream)
        _ = m.handle(.char("N"))
        #expect(m.state.cursor >= first.start && m.state.cursor < first.end)
        #expect(m.state.status.contains("\(i + 1) of \(matches.count)") && m.state.inspectStream == first.stream)
        _ = m.handle(.escape)
        #expect(m.state.searchQuery.isEmpty)
        let before = m.state.iteration
        _ = m.handle(.char("n"))                              // n is "next iteration" again
        #expect(m.state.iteration == before + 1)
    }
}

/// The stream filter (`f`): one stream in full, the others dimmed; cycles through the streams, then off.
struct FilterTests {
    @Test func fCyclesStreamsAndDimsTheOthers() throws {
        let m = try fixedModel()
        let streams = m.index.streams
        _ = m.handle(.char("f"))
        #expect(m.state.filterStream == streams.first)
        let b = m.renderPanel(.timelines, width: 120, height: 14)
        // Every cell drawn in a stream colour belongs to the filtered stream.
        var coloured = Set<ColorRole>()
        for y in 0..<b.height { for x in 0..<b.width { coloured.insert(b[x, y].style.color) } }
        let streamRoles = Set(ColorRole.allCases.filter { $0.rawValue >= ColorRole.stream0.rawValue })
        #expect(coloured.intersection(streamRoles) == [ColorRole.stream(streams[0])])
        for _ in 1..<streams.count { _ = m.handle(.char("f")) }
        #expect(m.state.filterStream == streams.last)
        _ = m.handle(.char("f"))
        #expect(m.state.filterStream == nil)
    }
}

/// The A/B view (`v`): this policy's timelines above the previous one's on one time axis, with the difference.
struct ABViewTests {
    @Test func vComparesWithThePreviousPolicy() throws {
        let m = try fixedModel()
        _ = m.handle(.char("8"))                  // branch → heft
        _ = m.handle(.char("v"))
        #expect(m.state.abPolicy == .branch)
        let text = m.render(width: 120, height: 40).text()
        let heft = m.result.metrics.iterationMs
        let branch = try m.workload.run(.branch, iteration: m.state.iteration).metrics.iterationMs
        #expect(text.contains("A heft " + String(format: "%.3f", heft) + " ms"))
        #expect(text.contains("B branch " + String(format: "%.3f", branch) + " ms"))
        let delta = (heft / branch - 1) * 100
        #expect(text.contains((delta >= 0 ? "+" : "") + String(format: "%.1f", delta) + "% vs B"))
        _ = m.handle(.char("v"))
        #expect(m.state.abPolicy == nil)
        #expect(!m.render(width: 120, height: 40).text().contains("vs B"))
    }
}

/// `convtop watch`: a new trace becomes the next iteration, re-simulated under the current policy.
struct FollowTraceTests {
    @Test func aNewTraceBecomesTheNextIteration() throws {
        var s = Scenario()
        // The core tests' fixture (a real PyTorch profiler trace of GoogLeNet on an H200).
        s.model = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ConvtopCoreTests/Fixtures/pytorch_profiler_googlenet_b1_h200.json.gz").path
        s.gpu = "h200"; s.policy = .heft; s.seed = 7
        let m = try DashboardModel(scenario: s, gpuNames: ["h200"], ascii: false)
        let before = m.state.iteration
        m.follow(trace: s.model)
        #expect(m.state.iteration == before + 1 && m.state.scenario.policy == .heft)
        #expect(m.state.status.hasPrefix("new trace pytorch_profiler_googlenet_b1_h200.json.gz: measured"))
        m.follow(trace: "/nonexistent/trace.json")
        #expect(m.state.scenario.model == s.model && m.state.status.hasPrefix("cannot apply"))
    }
}

/// A click on an op in the branches panel jumps to its first kernel and inspects it.
struct BranchClickTests {
    @Test func clickingAnOpInspectsItsFirstKernel() throws {
        let m = try fixedModel()
        let lines = m.render(width: 120, height: 40).lines()
        // The first op row of the branches panel: the line after the column headings ("branch1 …").
        let heading = try #require(lines.firstIndex { $0.contains("branch1") && $0.contains("branch2") })
        let row = heading + 1
        let x = try #require(lines[row].firstIndex(of: "✓") ?? lines[row].firstIndex(of: "▶") ?? lines[row].firstIndex(of: "○") ?? lines[row].firstIndex(of: "·"))
        _ = m.handle(.click(x: lines[row].distance(from: lines[row].startIndex, to: x), y: row))
        #expect(m.state.showInspector && m.state.paused)
        let rec = try #require(InspectorWidget.kernel(at: m.state.cursor, stream: m.state.inspectStream, m))
        let op = m.workload.kernels.kernels[rec.kernel].op
        #expect(m.workload.graph.nodes[op].name.hasSuffix("branch1.conv") || m.workload.graph.nodes[op].name.contains("branch1"))
    }
}
