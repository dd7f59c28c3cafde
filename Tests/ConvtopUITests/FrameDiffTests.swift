import Testing
@testable import ConvtopUI

/// The one changed-cell diff both backends (ncurses, asciicast) draw through.
struct FrameDiffTests {
    final class Recorder: FrameBackend {
        var frames: [(full: Bool, cells: [(Int, Int, Character)])] = []
        func beginFrame(width: Int, height: Int, full: Bool) { frames.append((full, [])) }
        func put(x: Int, y: Int, _ cell: Cell) { frames[frames.count - 1].cells.append((x, y, Character(cell.char))) }
        func endFrame() {}
    }

    @Test func sendsEveryCellFirstThenOnlyChangesAndEverythingAgainAfterAResize() {
        var diff = FrameDiff()
        let r = Recorder()
        var b = CellBuffer(width: 3, height: 2)
        diff.present(b, to: r)
        #expect(r.frames[0].full && r.frames[0].cells.count == 6)
        b.put(2, 1, "x", .plain)
        b.put(0, 0, " ", Style(.accent))   // same character, new colour: a change too
        diff.present(b, to: r)
        #expect(!r.frames[1].full)
        #expect(r.frames[1].cells.map { "\($0.0),\($0.1),\($0.2)" } == ["0,0, ", "2,1,x"])
        diff.present(b, to: r)
        #expect(r.frames[2].cells.isEmpty)
        diff.present(CellBuffer(width: 4, height: 2), to: r)
        #expect(r.frames[3].full && r.frames[3].cells.count == 8)
        diff.invalidate()
        diff.present(CellBuffer(width: 4, height: 2), to: r)
        #expect(r.frames[4].full && r.frames[4].cells.count == 8)
    }

    @Test func bothBackendsUseOnePalette() {
        #expect(CastWriter.sgr(Style(.stream2, bold: true)) == "\u{1B}[0;1;38;5;214m")
        #expect(CastWriter.sgr(.plain) == "\u{1B}[0m")
        #expect(Palette.basic(.stream0) == 4 && Palette.xterm256(.normal) == nil)
    }
}
