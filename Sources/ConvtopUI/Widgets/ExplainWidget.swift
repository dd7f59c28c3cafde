import ConvtopCore

/// The "why" overlay: the gap between this iteration and its critical-path bound, split into causes (as
/// `convtop explain` prints them), with a bar per cause and the advice for the largest.
enum ExplainWidget {
    static func draw(_ b: inout CellBuffer, _ a: GapAttribution, glyphs g: Glyphs) {
        let causes = LossCause.allCases.map { ($0, a.byCause[$0] ?? 0) }.filter { $0.1 > 0.0005 }.sorted { $0.1 > $1.1 }
        guard let inner = OverlayWidgets.frame(&b, width: 76, height: causes.count + 8, minWidth: 30, minHeight: 6,
                                               title: "why not faster", glyphs: g) else { return }
        func ms(_ us: Double) -> String { String(format: "%.3f ms", us / 1000) }
        let gapShare = a.iterationUs > 0 ? a.gapUs / a.iterationUs * 100 : 0
        b.text(inner.x + 1, inner.y, "iteration \(ms(a.iterationUs)) · bound \(ms(a.criticalPathBoundUs)) · gap \(ms(a.gapUs)) (\(String(format: "%.0f", gapShare))%)",
               Style(.title, bold: true), clip: inner)
        let labelWidth = 29, barWidth = max(4, inner.width - labelWidth - 18)
        for (i, (cause, us)) in causes.prefix(max(0, inner.height - 4)).enumerated() {
            let y = inner.y + 2 + i
            let share = a.gapUs > 0 ? us / a.gapUs : 0
            var x = b.text(inner.x + 1, y, TextFit.padRight(cause.rawValue, labelWidth), .plain, clip: inner)
            // Eighth-block resolution, so a 3% cause still shows.
            let eighths = min(barWidth * 8, Int((share * Double(barWidth * 8)).rounded()))
            var bar = String(repeating: Character(g.hEighths[8]), count: eighths / 8)
            if eighths % 8 > 0 { bar.unicodeScalars.append(g.hEighths[eighths % 8]) }
            x = b.text(x, y, TextFit.padRight(bar, barWidth), Style(i == 0 ? .warn : .accent), clip: inner)
            b.text(x + 1, y, String(format: "%5.1f%% %@", share * 100, ms(us)), .plain, clip: inner)
        }
        if let top = causes.first {
            b.text(inner.x + 1, inner.maxY - 2, TextFit.fit("what helps: " + top.0.advice, inner.width - 2, ellipsis: g.ellipsis),
                   Style(.good), clip: inner)
        } else {
            b.text(inner.x + 1, inner.maxY - 2, "nothing is lost: the iteration runs at its critical-path bound", Style(.good), clip: inner)
        }
        b.text(inner.x + 1, inner.maxY - 1, "x or Esc to close · convtop explain for what-ifs", Style(.dim), clip: inner)
    }
}
