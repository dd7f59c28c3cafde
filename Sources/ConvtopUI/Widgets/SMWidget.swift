import ConvtopCore

/// SM utilisation at the cursor: a vertical bar per SM (several SMs per column when the terminal is narrow), with
/// eighth-block resolution, coloured and shaped by the stream occupying it, and the totals.
enum SMWidget {
    static func draw(_ b: inout CellBuffer, _ r: Rect, _ s: AppState, _ m: DashboardModel, glyphs g: Glyphs) {
        let occ = m.index.smOccupancy(at: s.cursor)
        let n = occ.count
        let cols = max(1, r.width - 2)
        let perCol = max(1, (n + cols - 1) / cols)
        // Room to spare: SMs spread over the whole width (one to three columns each), so the panel uses what it has.
        let spread = perCol == 1 && cols > n
        let used = spread ? min(cols, 3 * n) : (n + perCol - 1) / perCol
        let busy = occ.filter { $0.fraction > 0 }.count
        let warps = occ.reduce(0) { $0 + $1.fraction } / Double(max(n, 1))
        let title = "SMs at cursor · \(busy)/\(n) busy · warps \(Int((warps * 100).rounded()))%" + (perCol > 1 ? " · \(perCol) SMs per column" : "")
            + { let q = m.index.queuedGrids(at: s.cursor); return q > 0 ? " · \(q) queued" : "" }() + partitions(s, m)
        b.box(r, title: title, glyphs: g)
        let inner = r.inset(1)
        guard inner.height >= 1 && inner.width >= 1 else { return }
        let barH = max(1, inner.height - 1)
        for c in 0..<min(used, inner.width) {
            let lo = spread ? c * n / used : c * perCol, hi = min(n, lo + perCol)
            let f = occ[lo..<hi].reduce(0) { $0 + $1.fraction } / Double(hi - lo)
            let streams = occ[lo..<hi].filter { $0.stream >= 0 }.map(\.stream)
            let st = streams.isEmpty ? -1 : streams.max { a, b2 in streams.filter { $0 == a }.count < streams.filter { $0 == b2 }.count }!
            let style = st >= 0 && !s.dims(stream: st) ? Style(.stream(st)) : Style(.dim)
            for row in 0..<barH {
                let level = f * Double(barH) - Double(row)
                let y = inner.y + barH - 1 - row
                // An idle SM is a dim dot, never the lowest eighth a lightly loaded SM shows.
                if level <= 0 || (row == 0 && f <= 0) {
                    b.put(inner.x + c, y, row == 0 && f <= 0 ? g.idle : " ", Style(.dim), clip: inner); continue
                }
                let ch: Unicode.Scalar = level >= 1 ? (st >= 0 && barH > 1 ? g.stream(st) : g.vEighths[8]) : (row == 0 ? g.vEighths[max(1, Int((level * 8).rounded()))] : g.level(level))
                b.put(inner.x + c, y, ch, style, clip: inner)
            }
        }
        if inner.height >= 2 {
            let y = inner.maxY - 1
            let legend = "SM 0" + String(repeating: " ", count: max(1, min(used, inner.width) - 4 - "SM \(n - 1)".count)) + "SM \(n - 1)"
            b.text(inner.x, y, legend, Style(.dim), clip: inner)
            let util = "iteration avg \(Int((m.result.metrics.smUtilization * 100).rounded()))%"
            if used + util.count + 3 < inner.width { b.text(inner.maxX - util.count, y, util, Style(.dim), clip: inner) }
        }
    }

    /// The SM partitions (green contexts, capped shares) of the kernels running at the cursor, e.g. " · SMs 0–79 | 80–131".
    static func partitions(_ s: AppState, _ m: DashboardModel) -> String {
        let kg = m.workload.kernels
        var ranges = Set<SMRange>()
        for rec in m.result.trace.kernels where rec.start <= s.cursor && rec.end > s.cursor {
            if let r = m.result.schedule.smRangeOfOp[kg.kernels[rec.kernel].op] { ranges.insert(r) }
        }
        guard !ranges.isEmpty else { return "" }
        return " · SMs " + ranges.sorted { $0.lower < $1.lower }.map { "\($0.lower)–\($0.upper - 1)" }.joined(separator: " | ")
    }
}
