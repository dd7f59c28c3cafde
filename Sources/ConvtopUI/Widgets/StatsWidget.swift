import ConvtopCore

/// Iteration metrics and a sparkline of recent iteration times that shows each policy switch.
enum StatsWidget {
    /// The share of kernel time the catalog measured for these ops ("measured", or the GPU it was measured on where the
    /// times were carried over), flagged where under three quarters.
    static func kernelTimes(_ t: TimeSources) -> (String, String, Style) {
        let share = t.catalog >= 0.9995 ? "all" : String(format: "%.0f%%", t.catalog * 100)
        return ("kernel times", "\(share) measured" + (t.measuredOn.map { " on \($0)" } ?? ""), t.catalog < 0.75 ? Style(.warn) : .plain)
    }

    static func draw(_ b: inout CellBuffer, _ r: Rect, _ s: AppState, _ m: DashboardModel, glyphs g: Glyphs) {
        b.box(r, title: "iteration \(s.iteration + 1)", glyphs: g)
        let inner = r.inset(1)
        guard inner.width >= 10 && inner.height >= 1 else { return }
        let mt = m.result.metrics
        let speedStyle = mt.speedupVsSerial >= 1.05 ? Style(.good, bold: true) : (mt.speedupVsSerial < 0.98 ? Style(.bad, bold: true) : Style(.normal, bold: true))
        var rows: [(String, String, Style)] = [
            ("iteration", String(format: "%.3f ms", mt.iterationMs), Style(.normal, bold: true)),
            ("serial baseline", String(format: "%.3f ms", mt.serialMs), .plain),
            ("speedup", String(format: "%.2f×", mt.speedupVsSerial), speedStyle),
            ("critical-path bound", String(format: "%.3f ms", mt.criticalPathMs), .plain),
            ("SM utilisation", String(format: "%.1f %%", mt.smUtilization * 100), .plain),
            ("concurrency", String(format: "%.2f (peak %d)", mt.achievedConcurrency, mt.peakConcurrentKernels), .plain),
            ("host-bound", String(format: "%.3f ms", mt.hostBoundMs), .plain),
            ("kernels · streams", "\(mt.kernels) · \(mt.streamsUsed)", .plain),
        ]
        // The best iteration of each policy tried at the current settings (batch, mode, GPU, launch, streams), when
        // there is room: times at other settings are not comparable and stay out.
        let here = HistoryPoint(iterationMs: 0, scenario: s.scenario).setting
        let tried = PolicyKind.allCases.compactMap { p in
            s.history.filter { $0.policy == p && $0.setting == here }.map(\.iterationMs).min().map { (p, $0) }
        }
        // Where the kernel times come from, where it leaves room for that table and the sparkline.
        if inner.height >= rows.count + 1 + (tried.isEmpty ? 0 : tried.count + 2) + 3 { rows.append(kernelTimes(m.timeSources)) }
        let sparkRows = inner.height >= rows.count + 3 ? 2 : 0
        for (i, row) in rows.prefix(max(0, inner.height - sparkRows)).enumerated() {
            let y = inner.y + i
            b.text(inner.x, y, row.0, Style(.dim), clip: inner)
            b.text(inner.maxX - row.1.count, y, row.1, row.2, clip: inner)
        }
        let tableTop = inner.y + rows.count + 1
        if tried.count >= 1 && tableTop + tried.count + 1 <= inner.maxY - sparkRows {
            b.text(inner.x, tableTop, "best per policy, these settings", Style(.title), clip: inner)
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
        // Bars from zero: run-to-run noise of a few tenths of a percent stays a few tenths of a bar.
        let hi = h.map(\.iterationMs).max()!
        var prev: HistoryPoint?
        for (i, p) in h.enumerated() {
            b.put(inner.x + i, y, g.level(hi > 0 ? p.iterationMs / hi : 0), Style(.accent), clip: inner)
            if let q = prev, p.setting != q.setting {
                // A change of batch, mode, GPU, launch or streams: the times before and after are not comparable.
                b.put(inner.x + i, y + 1, "*", Style(.warn, bold: true), clip: inner)
            } else if p.policy != prev?.policy {
                let digit = Unicode.Scalar(UInt8(48 + ((PolicyKind.allCases.firstIndex(of: p.policy) ?? 0) + 1) % 10))
                b.put(inner.x + i, y + 1, digit, Style(.title, bold: true), clip: inner)
            }
            prev = p
        }
        let range = String(format: "0–%.2f ms", hi)
        if h.count + range.count + 2 <= inner.width { b.text(inner.maxX - range.count, y + 1, range, Style(.dim), clip: inner) }
    }
}
