import ConvtopCore

/// Iteration metrics and a sparkline of recent iteration times that shows each policy switch.
enum StatsWidget {
    static func draw(_ b: inout CellBuffer, _ r: Rect, _ s: AppState, _ m: DashboardModel, glyphs g: Glyphs) {
        b.box(r, title: "iteration \(s.iteration + 1)", glyphs: g)
        let inner = r.inset(1)
        guard inner.width >= 10 && inner.height >= 1 else { return }
        let mt = m.result.metrics
        let speedStyle = mt.speedupVsSerial >= 1.05 ? Style(.good, bold: true) : (mt.speedupVsSerial < 0.98 ? Style(.bad, bold: true) : Style(.normal, bold: true))
        let rows: [(String, String, Style)] = [
            ("iteration", String(format: "%.3f ms", mt.iterationMs), Style(.normal, bold: true)),
            ("serial baseline", String(format: "%.3f ms", mt.serialMs), .plain),
            ("speedup", String(format: "%.2f×", mt.speedupVsSerial), speedStyle),
            ("critical-path bound", String(format: "%.3f ms", mt.criticalPathMs), .plain),
            ("SM utilisation", String(format: "%.1f %%", mt.smUtilization * 100), .plain),
            ("concurrency", String(format: "%.2f (peak %d)", mt.achievedConcurrency, mt.peakConcurrentKernels), .plain),
            ("host-bound", String(format: "%.3f ms", mt.hostBoundMs), .plain),
            ("kernels · streams", "\(mt.kernels) · \(mt.streamsUsed)", .plain),
        ]
        let sparkRows = inner.height >= rows.count + 3 ? 2 : 0
        for (i, row) in rows.prefix(max(0, inner.height - sparkRows)).enumerated() {
            let y = inner.y + i
            b.text(inner.x, y, row.0, Style(.dim), clip: inner)
            b.text(inner.maxX - row.1.count, y, row.1, row.2, clip: inner)
        }
        guard sparkRows > 0 else { return }
        let y = inner.maxY - 2
        let h = s.history.suffix(inner.width)
        guard !h.isEmpty else { return }
        let lo = h.map(\.iterationMs).min()!, hi = h.map(\.iterationMs).max()!
        var prev: PolicyKind?
        for (i, p) in h.enumerated() {
            let f = hi > lo ? 0.15 + 0.85 * (p.iterationMs - lo) / (hi - lo) : 0.5
            b.put(inner.x + i, y, g.level(f), Style(.accent), clip: inner)
            if p.policy != prev {
                let digit = Character(String((PolicyKind.allCases.firstIndex(of: p.policy) ?? 0) + 1))
                b.put(inner.x + i, y + 1, digit, Style(.title, bold: true), clip: inner)
                prev = p.policy
            }
        }
        let range = String(format: "%.2f–%.2f ms", lo, hi)
        if h.count + range.count + 2 <= inner.width { b.text(inner.maxX - range.count, y + 1, range, Style(.dim), clip: inner) }
    }
}
