import Testing
@testable import ConvtopUI

struct LayoutTests {
    /// Every size from 1×1 to 300×100: panels inside the screen, never overlapping, never empty when drawn.
    @Test func panelsStayOnScreenAndApartAtEverySize() {
        for w in 1...300 {
            for h in 1...100 {
                for lanes in [1, 9, 40] {
                    let l = Layout.compute(width: w, height: h, lanes: lanes)
                    if w < Layout.minWidth || h < Layout.minHeight { #expect(l.tooSmall); continue }
                    #expect(!l.tooSmall)
                    let ps = l.panels
                    for p in ps {
                        #expect(!p.isEmpty, "\(w)×\(h): empty panel")
                        #expect(p.x >= 0 && p.y >= 0 && p.maxX <= w && p.maxY <= h, "\(w)×\(h): \(p) off-screen")
                    }
                    for i in ps.indices { for j in ps.indices where j > i { #expect(!ps[i].intersects(ps[j]), "\(w)×\(h): \(ps[i]) overlaps \(ps[j])") } }
                    #expect(l.timelines.height >= 6 && l.sms.height >= 5 && l.branches.height >= 5)
                }
            }
        }
    }

    /// Rendering never crashes and always fills exactly the screen, from 1×1 to 300×100.
    @Test func renderingSurvivesAnySize() throws {
        let m = try fixedModel()
        var sizes: [(Int, Int)] = [(1, 1), (2, 1), (1, 2), (79, 24), (80, 23), (80, 24), (300, 100), (81, 25)]
        for w in stride(from: 1, through: 300, by: 13) { for h in stride(from: 1, through: 100, by: 9) { sizes.append((w, h)) } }
        for (w, h) in sizes {
            let b = m.render(width: w, height: h)
            #expect(b.width == w && b.height == h && b.lines().count == h)
            #expect(b.lines().allSatisfy { $0.count == w })
        }
        let help = try fixedModel()
        _ = help.handle(.char("?"))
        for (w, h) in sizes { _ = help.render(width: w, height: h) }
    }

    @Test func bufferClipsEveryWrite() {
        var b = CellBuffer(width: 5, height: 2)
        b.text(-3, 0, "abcdefgh")
        b.text(3, 1, "xyz")
        b.put(9, 9, "!")
        b.fill(Rect(x: -5, y: -5, width: 100, height: 1))
        #expect(b.lines() == ["defgh", "   xy"])
        func str(_ v: [Unicode.Scalar]) -> String { String(String.UnicodeScalarView(v)) }
        #expect(str(Glyphs.unicode.bar(0.5, width: 3)) == "█▌ ")
        #expect(str(Glyphs.unicode.bar(2, width: 2)) == "██" && str(Glyphs.unicode.bar(.nan, width: 2)) == "  ")
    }
}
