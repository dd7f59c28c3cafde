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
        // Latest iteration of each policy tried with the current settings' history, when there is room.
        let tried = PolicyKind.allCases.compactMap { p in s.history.last { $0.policy == p }.map { (p, $0.iterationMs) } }
        let tableTop = inner.y + rows.count + 1
        if tried.count >= 1 && tableTop + tried.count + 1 <= inner.maxY - sparkRows {
            b.text(inner.x, tableTop, "policies this session", Style(.title), clip: inner)
            let best = tried.map(\.1).min() ?? 1
            for (i, t) in tried.enumerated() {
                let y = tableTop + 1 + i
                let mark = t.0 == s.scenario.policy ? String(g.running) : " "
                b.text(inner.x, y, "\(mark) \(t.0.rawValue)", t.0 == s.scenario.policy ? Style(.accent, bold: true) : .plain, clip: inner)
                let v = String(format: "%.3f ms", t.1)
                b.text(inner.maxX - v.count, y, v, t.1 == best ? Style(.good, bold: true) : .plain, clip: inner)
            }
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
                let digit = Unicode.Scalar(UInt8(48 + ((PolicyKind.allCases.firstIndex(of: p.policy) ?? 0) + 1) % 10))
                b.put(inner.x + i, y + 1, digit, Style(.title, bold: true), clip: inner)
                prev = p.policy
            }
        }
        let range = String(format: "%.2f–%.2f ms", lo, hi)
        if h.count + range.count + 2 <= inner.width { b.text(inner.maxX - range.count, y + 1, range, Style(.dim), clip: inner) }
    }
}
