import ConvtopCore

/// Branch parallelism: the fork–join region at the cursor, branches side by side with each op's state and stream,
/// and a chart of available (ready + running ops) against exploited (kernels running) parallelism.
enum BranchWidget {
    /// `onOp` learns where each op row was drawn (the dashboard maps clicks on ops with it).
    static func draw(_ b: inout CellBuffer, _ r: Rect, _ s: AppState, _ m: DashboardModel, glyphs g: Glyphs,
                     onOp: (Int, Rect) -> Void = { _, _ in }) {
        b.box(r, title: "branches", glyphs: g)
        let inner = r.inset(1)
        guard inner.width >= 10 && inner.height >= 3 else { return }
        let ix = m.index
        let graph = m.workload.kernels.graph
        let chartRows = inner.height >= 8 ? 3 : (inner.height >= 5 ? 2 : 0)
        let listRect = Rect(x: inner.x, y: inner.y, width: inner.width, height: inner.height - chartRows)
        let running = ix.activeOps.filter { ix.opStart[$0] <= s.cursor && s.cursor < ix.opEnd[$0] }
        if let region = ix.region(at: s.cursor, lanesRunning: running) {
            let fork = TextFit.shortName(graph.nodes[region.fork].name, 24, ellipsis: g.ellipsis)
            let join = region.join.map { TextFit.shortName(graph.nodes[$0].name, 24, ellipsis: g.ellipsis) } ?? "end"
            b.text(listRect.x, listRect.y, "\(fork) → \(region.branches.count) branches → \(join)", Style(.accent, bold: true), clip: listRect)
            // Show op names relative to the module the region lives in (their longest common dotted prefix).
            let prefix = m.namePrefix(of: region)
            func local(_ op: Int) -> String {
                let n = graph.nodes[op].name
                return n.hasPrefix(prefix) && n.count > prefix.count ? String(n.dropFirst(prefix.count)) : n
            }
            let nb = region.branches.count
            let colW = max(14, listRect.width / max(nb, 1))
            var shown = min(nb, max(1, listRect.width / colW))
            if shown < nb && shown > 1 { shown -= 1 } // keep the last column for "+N more"
            for (bi, branch) in region.branches.prefix(shown).enumerated() {
                let x = listRect.x + bi * colW
                var col = Rect(x: x, y: listRect.y + 1, width: colW - 1, height: listRect.height - 1)
                if branch.isEmpty {
                    b.text(col.x, col.y, "(shortcut)", Style(.dim), clip: col)
                    continue
                }
                let ops = branch.filter { !m.workload.kernels.opKernels[$0].isEmpty }
                // The branch's own module heads its column and its ops are named within it, so two branches' ops
                // never read the same (`branch2` · `0.conv` against `branch3` · `0.conv`).
                let parts = ops.map { local($0).split(separator: ".").map(String.init) }
                var common = parts.first ?? []
                for p in parts.dropFirst() { common = Array(zip(common, p).prefix { $0.0 == $0.1 }.map(\.0)) }
                if let shortest = parts.map(\.count).min(), common.count >= shortest { common = Array(common.prefix(max(0, shortest - 1))) }
                let heading = common.joined(separator: ".")
                if !heading.isEmpty && col.height >= 3 && ops.count > 1 {
                    b.text(col.x, col.y, TextFit.fit(heading, col.width, ellipsis: g.ellipsis), Style(.title), clip: col)
                    col = Rect(x: col.x, y: col.y + 1, width: col.width, height: col.height - 1)
                }
                let within = { (op: Int) -> String in
                    let n = local(op)
                    let p = heading.isEmpty || ops.count <= 1 ? "" : heading + "."
                    return !p.isEmpty && n.hasPrefix(p) ? String(n.dropFirst(p.count)) : n
                }
                let fits = ops.count > col.height ? max(0, col.height - 1) : ops.count
                for (i, op) in ops.prefix(fits).enumerated() {
                    let st = ix.state(of: op, at: s.cursor)
                    let (glyph, style): (Unicode.Scalar, Style) = {
                        switch st {
                        case .waiting: return (g.waiting, Style(.dim))
                        case .ready: return (g.ready, Style(.warn))
                        case .queued: return (g.queued, Style(.warn, bold: true))
                        case .running: return (g.running, Style(.good, bold: true))
                        case .done: return (g.done, Style(.dim))
                        }
                    }()
                    let stream = m.result.schedule.streamOfOp[op] ?? 0
                    let tag = " s\(stream)"
                    let name = TextFit.shortName(within(op), max(1, col.width - 2 - tag.count), ellipsis: g.ellipsis)
                    let y = col.y + i
                    onOp(op, Rect(x: col.x, y: y, width: col.width, height: 1))
                    // Under a stream filter, ops of other streams are dimmed.
                    let hidden = s.dims(stream: stream)
                    b.put(col.x, y, glyph, hidden ? Style(.dim) : style, clip: col)
                    let end = b.text(col.x + 2, y, name, hidden ? Style(.dim) : (st == .running ? Style(.normal, bold: true) : Style(st == .done ? .dim : .normal)), clip: col)
                    b.text(max(end, col.maxX - tag.count), y, tag, hidden ? Style(.dim) : Style(.stream(stream)), clip: col)
                }
                if fits < ops.count, col.height > 0 {
                    b.text(col.x, col.y + fits, "+\(ops.count - fits) more ops", Style(.dim), clip: col)
                }
            }
            if shown < nb {
                let x = listRect.x + shown * colW
                b.text(x, listRect.y + 1, "+\(nb - shown) more branches", Style(.dim), clip: Rect(x: x, y: listRect.y + 1, width: listRect.maxX - x, height: 1))
            }
        } else {
            b.text(listRect.x, listRect.y, "no fork–join region here: the graph is a chain at this point", Style(.dim), clip: listRect)
        }
        guard chartRows > 0 else { return }
        // Parallelism chart over the whole iteration.
        let labelW = 7
        let chart = Rect(x: inner.x + labelW, y: inner.maxY - chartRows, width: inner.width - labelW, height: chartRows)
        let peak = max(1, ix.available.max() ?? 1)
        func series(_ v: [Int], _ y: Int, _ label: String, _ style: Style) {
            b.text(inner.x, y, TextFit.padRight(label, labelW), Style(.dim), clip: inner)
            guard !v.isEmpty else { return }
            for c in 0..<chart.width {
                // The largest sample a column covers, so that no peak falls between columns.
                let lo = min(v.count - 1, c * v.count / max(chart.width, 1))
                let hi = max(lo, min(v.count - 1, (c + 1) * v.count / max(chart.width, 1) - 1))
                b.put(chart.x + c, y, g.level(Double(v[lo...hi].max() ?? 0) / Double(peak)), style, clip: chart)
            }
        }
        series(ix.available, chart.y, "ops", Style(.warn))
        series(ix.exploited, chart.y + 1, "kernels", Style(.good))
        if chartRows >= 3 {
            let y = chart.y + 2
            let c = min(max(Int(s.cursor / ix.iterationUs * Double(chart.width)), 0), chart.width - 1)
            b.text(inner.x, y, "top \(peak)", Style(.dim), clip: inner)
            let note = "ops ready or running · kernels running"
            // The legend keeps clear of the cursor's column so the marker always shows.
            let noteX = chart.maxX - note.count
            if chart.width > note.count + 4 && (c < noteX - chart.x - 1) { b.text(noteX, y, note, Style(.dim), clip: chart) }
            b.put(chart.x + c, y, "^", Style(.cursor, bold: true), clip: chart)
        }
    }
}
