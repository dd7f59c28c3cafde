import ConvtopCore

/// Per-stream timelines: a host-launch lane and one lane per stream, kernels as glyph segments labelled with their
/// op where there is room, idle gaps visible, the playback cursor, zoom and scroll.
enum TimelineWidget {
    static let labelWidth = 10

    /// The visible time window for a zoom level: centred on the cursor, clamped to the iteration.
    static func window(iterationUs: Double, cursor: Double, zoom: Double) -> (start: Double, span: Double) {
        let span = iterationUs * min(1, max(zoom, 1e-6))
        let start = min(max(0, cursor - span / 2), max(0, iterationUs - span))
        return (start, span)
    }

    /// A stream lane as drawn: its row, the columns of its time axis and the time window they show.
    struct LaneHit {
        var row: Int, x0: Int, cols: Int, stream: Int, start: Double, span: Double
    }

    @discardableResult
    static func draw(_ b: inout CellBuffer, _ r: Rect, _ s: AppState, _ m: DashboardModel, glyphs g: Glyphs,
                     source: (index: PlaybackIndex, result: IterationResult)? = nil, title: String = "streams",
                     axisUs: Double? = nil) -> [LaneHit] {
        b.box(r, title: title, glyphs: g)
        let inner = r.inset(1)
        guard inner.width > labelWidth + 4, inner.height >= 2 else { return [] }
        var hits: [LaneHit] = []
        let ix = source?.index ?? m.index
        let result = source?.result ?? m.result
        let (start, span) = window(iterationUs: axisUs ?? ix.iterationUs, cursor: s.cursor, zoom: s.zoom)
        let cols = inner.width - labelWidth
        let x0 = inner.x + labelWidth
        // Axis.
        let axisStyle = Style(.dim)
        b.text(inner.x, inner.y, "time", axisStyle, clip: inner)
        let left = TextFit.ms(start), right = TextFit.ms(start + span)
        b.text(x0, inner.y, left, axisStyle, clip: inner)
        b.text(inner.maxX - right.count, inner.y, right, axisStyle, clip: inner)
        let mid = TextFit.ms(start + span / 2)
        b.text(x0 + cols / 2 - mid.count / 2, inner.y, mid, axisStyle, clip: inner)
        func col(_ t: Double) -> Int { Int(((t - start) / span * Double(cols)).rounded(.down)) }
        // The last instant (End) maps one past the last column: keep the cursor on screen.
        let cursorCol = s.cursor >= start + span ? cols - 1 : col(s.cursor)
        var row = inner.y + 1
        // Host lane.
        b.text(inner.x, row, TextFit.padRight("host", labelWidth - 1), Style(.accent), clip: inner)
        for c in 0..<cols { b.put(x0 + c, row, g.idle, Style(.dim), clip: inner) }
        for h in result.trace.hostLaunches {
            let c0 = max(0, col(h.start)), c1 = min(cols - 1, max(c0, col(h.end)))
            if c0 >= cols || col(h.end) < 0 { continue }
            for c in c0...c1 { b.put(x0 + c, row, g.hEighths[4], Style(.accent, dim: h.start > s.cursor), clip: inner) }
        }
        row += 1
        let lanesShown = min(ix.streams.count, inner.maxY - row)
        let names = m.workload.kernels.graph.nodes
        let kernels = m.workload.kernels.kernels
        for li in 0..<max(0, lanesShown) {
            let st = ix.streams[li]
            let more = li == lanesShown - 1 && lanesShown < ix.streams.count
            let label = more ? "+\(ix.streams.count - lanesShown + 1) more" : "stream \(st)"
            if !more { hits.append(LaneHit(row: row, x0: x0, cols: cols, stream: st, start: start, span: span)) }
            let laneHidden = !more && s.dims(stream: st)
            b.text(inner.x, row, TextFit.padRight(label, labelWidth - 1), laneHidden ? Style(.dim) : Style(.stream(st), bold: true), clip: inner)
            for c in 0..<cols { b.put(x0 + c, row, g.idle, Style(.dim), clip: inner) }
            let recs = more ? ix.streams[li...].flatMap { ix.lanes[$0]! } : ix.lanes[st]!
            // Each cell is shaded by the share of its time a kernel runs: a full stream glyph from three quarters, a
            // lower block of that height below (eager runs at ×1 no longer look solidly busy).
            let colUs = span / Double(cols)
            var busy = Array(repeating: 0.0, count: cols), owner = Array(repeating: -1, count: cols)
            for (i, k) in recs.enumerated() where k.end >= start && k.start <= start + span {
                let a = max(k.start, start), e = min(k.end, start + span)
                for c in max(0, col(a))...min(cols - 1, max(0, col(e))) {
                    let lo = start + Double(c) * colUs
                    busy[c] += max(0, min(e, lo + colUs) - max(a, lo)) / colUs
                    owner[c] = i
                }
            }
            // Launched grids waiting in the dispatcher (no block on an SM yet): a dashed span where nothing runs.
            for q in ix.queuedSpans where (more ? ix.streams[li...].contains(q.stream) : q.stream == st) && q.start >= start && q.issued <= start + span {
                for c in max(0, col(max(q.issued, start)))...min(cols - 1, max(0, col(min(q.start, start + span)))) where owner[c] < 0 {
                    let hidden = s.dims(stream: q.stream)
                    b.put(x0 + c, row, g.queuedSpan, hidden ? Style(.dim) : Style(.stream(q.stream), dim: q.issued > s.cursor), clip: inner)
                }
            }
            for c in 0..<cols where owner[c] >= 0 {
                let k = recs[owner[c]]
                let f = min(busy[c], 1)
                let hidden = s.dims(stream: k.stream)
                b.put(x0 + c, row, f >= 0.75 ? g.stream(k.stream) : g.level(max(f, 1.0 / 8)),
                      hidden ? Style(.dim) : Style(.stream(k.stream), dim: k.start > s.cursor), clip: inner)
            }
            var lastLabelEnd = -1
            for k in recs {
                if k.end < start || k.start > start + span { continue }
                let c0 = max(0, col(k.start)), c1 = min(cols - 1, max(c0, col(k.end)))
                let future = k.start > s.cursor
                let width = c1 - c0 + 1
                if width >= 6 && c0 > lastLabelEnd {
                    let name = TextFit.shortName(names[kernels[k.kernel].op].name, width - 2, ellipsis: g.ellipsis)
                    let hidden = s.dims(stream: k.stream)
                    b.text(x0 + c0 + 1, row, name, hidden ? Style(.dim) : Style(.stream(k.stream), bold: true, reverse: true, dim: future),
                           clip: Rect(x: x0 + c0, y: row, width: width, height: 1))
                    lastLabelEnd = c1
                }
            }
            row += 1
        }
        // Cursor.
        if cursorCol >= 0 && cursorCol < cols {
            for y in (inner.y + 1)..<row {
                let cell = b[x0 + cursorCol, y]
                if cell.char == g.idle || cell.char == " " {
                    b.put(x0 + cursorCol, y, g.cursor, Style(.cursor, bold: true))
                } else {
                    b.put(x0 + cursorCol, y, cell.char, Style(.cursor, bold: true, reverse: true))
                }
            }
        }
        return hits
    }
}
