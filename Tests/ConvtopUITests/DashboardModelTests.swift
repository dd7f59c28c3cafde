import Testing
@testable import ConvtopCore
@testable import ConvtopUI

struct DashboardModelTests {
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
