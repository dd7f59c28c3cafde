import Testing
@testable import ConvtopCore
@testable import ConvtopUI

/// Every key's effect on the state.
struct ReducerTests {
    func state() -> AppState {
        var s = Scenario(); s.model = "googlenet"; s.batch = 4; s.gpu = "h100"
        return AppState(scenario: s, gpuNames: ["a100", "h100", "h200"])
    }

    func press(_ k: Key, _ s: inout AppState) -> [Effect] {
        guard let a = KeyMap.action(for: k) else { Issue.record("no binding for \(k)"); return [] }
        return Reducer.reduce(&s, a, iterationUs: 1000, nextEventUs: 123)
    }

    @Test func numberKeysChoosePoliciesInOrder() {
        for (i, p) in PolicyKind.allCases.enumerated() {
            var s = state()
            s.scenario.policy = i == 0 ? .nimble : .serial
            #expect(press(.char(Character(String((i + 1) % 10))), &s) == [.resimulate])
            #expect(s.scenario.policy == p)
            #expect(s.status.contains(p.rawValue))
        }
        var s = state()
        s.scenario.policy = .branch
        #expect(press(.char("3"), &s).isEmpty) // already chosen: nothing to do
    }

    @Test func homeAndEndGoToTheIterationsEnds() {
        var s = state()
        s.cursor = 400
        _ = press(.end, &s)
        #expect(s.cursor == 1000 && s.paused)
        _ = press(.home, &s)
        #expect(s.cursor == 0)
    }

    @Test func arrowsScrollTheHelpOnlyWhileItIsOpen() {
        var s = state()
        #expect(press(.down, &s).isEmpty && s.helpScroll == 0)   // help closed: nothing to scroll
        _ = press(.char("?"), &s)
        _ = press(.down, &s); _ = press(.char("j"), &s)
        #expect(s.helpScroll == 2)
        _ = press(.pageDown, &s)
        #expect(s.helpScroll == 12)
        for _ in 0..<100 { _ = press(.pageDown, &s) }
        #expect(s.helpScroll == OverlayWidgets.helpLineCount - 1)
        _ = press(.up, &s)
        #expect(s.helpScroll == OverlayWidgets.helpLineCount - 2)
        _ = press(.char("?"), &s); _ = press(.char("?"), &s)     // reopened: from the top
        #expect(s.helpScroll == 0)
    }

    @Test func xTogglesTheWhyOverlayAndHelpReplacesIt() throws {
        let m = try fixedModel()
        #expect(!m.state.showExplain)
        _ = m.handle(.char("x"))
        #expect(m.state.showExplain)
        let text = m.render(width: 120, height: 40).text()
        #expect(text.contains("why not faster"))
        #expect(text.contains("what helps:"))
        let a = m.explanation
        #expect(abs(a.byCause.values.reduce(0, +) - a.gapUs) <= 0.01 * a.gapUs)
        _ = m.handle(.char("?"))
        #expect(!m.state.showExplain && m.state.showHelp)
        _ = m.handle(.char("?"))
        _ = m.handle(.char("x")); _ = m.handle(.char("x"))
        #expect(!m.state.showExplain)
    }

    @Test func pAndTabCycleThePolicy() {
        var s = state()
        s.scenario.policy = .resourceAware
        _ = press(.char("p"), &s); #expect(s.scenario.policy == .oooBackprop)
        _ = press(.char("p"), &s); #expect(s.scenario.policy == .heft)
        _ = press(.char("p"), &s); #expect(s.scenario.policy == .ios)
        _ = press(.char("p"), &s); #expect(s.scenario.policy == .greenContexts)
        _ = press(.char("p"), &s); #expect(s.scenario.policy == .serial)
        _ = press(.tab, &s); #expect(s.scenario.policy == .roundRobin)
    }

    @Test func playbackKeys() {
        var s = state()
        _ = press(.char(" "), &s); #expect(s.paused)
        _ = press(.char(" "), &s); #expect(!s.paused)
        #expect(press(.char("n"), &s) == [.resimulate])
        _ = press(.char("."), &s); #expect(s.paused && s.cursor == 123)
        _ = press(.right, &s); #expect(s.cursor == 173)
        _ = press(.left, &s); _ = press(.left, &s); #expect(s.cursor == 73)
        for _ in 0..<10 { _ = press(.left, &s) }
        #expect(s.cursor == 0)
        _ = press(.char("+"), &s); #expect(s.zoom == 0.5)
        _ = press(.char("-"), &s); _ = press(.char("-"), &s); #expect(s.zoom == 1)
        _ = press(.char("]"), &s); #expect(s.speed == 2)
        _ = press(.char("["), &s); _ = press(.char("["), &s); #expect(s.speed == 0.5)
    }

    @Test func settingKeysResimulate() {
        var s = state()
        #expect(press(.char("b"), &s) == [.resimulate]); #expect(s.scenario.batch == 2)
        #expect(press(.char("B"), &s) == [.resimulate]); #expect(s.scenario.batch == 4)
        #expect(press(.char("m"), &s) == [.resimulate]); #expect(s.scenario.mode == .training)
        #expect(press(.char("g"), &s) == [.resimulate]); #expect(s.scenario.gpu == "h200")
        #expect(press(.char("g"), &s) == [.resimulate]); #expect(s.scenario.gpu == "a100")
        #expect(press(.char("l"), &s) == [.resimulate]); #expect(s.scenario.launch == .eager)
        #expect(press(.char("c"), &s) == [.resimulate]); #expect(s.scenario.process == .clean && s.status.contains("clean"))
        #expect(press(.char("c"), &s) == [.resimulate]); #expect(s.scenario.process == nil && s.status.contains("profiled"))
        #expect(press(.char("<"), &s) == [.resimulate]); #expect(s.scenario.streams == 7)
        #expect(press(.char(">"), &s) == [.resimulate]); #expect(s.scenario.streams == 8)
        s.scenario.batch = 1
        #expect(press(.char("b"), &s).isEmpty); #expect(s.scenario.batch == 1)
        s.scenario.streams = 1
        #expect(press(.char("<"), &s).isEmpty); #expect(s.scenario.streams == 1)
    }

    @Test func recordingExportHelpAndQuit() {
        var s = state()
        #expect(press(.char("r"), &s).isEmpty); #expect(s.status.contains("--record"))
        s.recordingAvailable = true
        #expect(press(.char("r"), &s) == [.toggleRecording])
        #expect(press(.char("e"), &s) == [.exportTrace])
        _ = press(.char("?"), &s); #expect(s.showHelp)
        _ = press(.char("h"), &s); #expect(!s.showHelp)
        _ = press(.function(1), &s); #expect(s.showHelp)
        for k in [Key.char("q"), .ctrlC, .function(10)] {
            var t = state()
            #expect(press(k, &t) == [.quit]); #expect(t.quitting)
        }
        // Esc closes an overlay and never quits (a stray escape sequence must not end the session).
        var t = state()
        t.showHelp = true
        #expect(press(.escape, &t).isEmpty)
        #expect(!t.showHelp && !t.quitting)
        #expect(press(.escape, &t).isEmpty && !t.quitting)
    }

    @Test func keyTableIsConsistent() {
        var seen = Set<Key>()
        for b in KeyMap.bindings { for k in b.keys { #expect(!seen.contains(k), "\(k) bound twice"); seen.insert(k) } }
        #expect(KeyMap.footerItems.contains("q quit") && KeyMap.footerItems.contains("? help"))
        #expect(KeyMap.bindings.allSatisfy { !$0.help.isEmpty })
    }
}
