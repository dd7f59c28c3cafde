import Testing
@testable import ConvtopUI

/// Golden-text snapshots of every panel and of the whole screen at three sizes, from a fixed seed.
@Suite(.serialized) struct SnapshotTests {
    @Test(arguments: [(80, 24), (120, 40), (200, 60)])
    func wholeScreen(_ size: (Int, Int)) throws {
        let m = try fixedModel()
        try expectGolden(m.render(width: size.0, height: size.1).text(), "screen_\(size.0)x\(size.1)")
    }

    @Test func wholeScreenASCII() throws {
        let m = try fixedModel(ascii: true)
        let text = m.render(width: 120, height: 40).text()
        #expect(text.unicodeScalars.allSatisfy { $0.isASCII })
        try expectGolden(text, "screen_ascii_120x40")
    }

    @Test(arguments: [(Panel.header, 120, 1), (.policy, 120, 1), (.timelines, 120, 14), (.sms, 150, 8),
                      (.branches, 90, 14), (.stats, 44, 14), (.footer, 160, 1), (.help, 100, 36), (.explain, 100, 16),
                      (.inspector, 100, 16)])
    func panel(_ p: (Panel, Int, Int)) throws {
        let m = try fixedModel()
        let b = m.renderPanel(p.0, width: p.1, height: p.2)
        try expectGolden(b.text(), "panel_\(p.0.rawValue)")
        // Colours and attributes too: a lost highlight or a wrong stream colour fails here.
        try expectGolden(b.styleText(), "panel_\(p.0.rawValue).style")
    }

    @Test func wholeScreenStyles() throws {
        let m = try fixedModel()
        try expectGolden(m.render(width: 120, height: 40).styleText(), "screen_120x40.style")
    }

    @Test func tooSmallScreenSaysWhatIsNeeded() throws {
        let m = try fixedModel()
        let text = m.render(width: 50, height: 12).text()
        #expect(text.contains("Terminal too small: 50×12."))
        #expect(text.contains("at least 80×24"))
        try expectGolden(text, "screen_too_small_50x12")
    }
}
