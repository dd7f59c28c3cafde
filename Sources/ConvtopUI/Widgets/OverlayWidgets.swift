/// The help overlay (drawn from the key table) and the too-small message.
enum OverlayWidgets {
    /// Clears and frames a centred box of at most `width`×`height` (one cell of margin), and returns its inside, or
    /// nil when the screen leaves less than `minWidth`×`minHeight`.
    static func frame(_ b: inout CellBuffer, width: Int, height: Int, minWidth: Int, minHeight: Int, title: String,
                      glyphs g: Glyphs) -> Rect? {
        let w = min(b.width - 2, width), h = min(b.height - 2, height)
        guard w > minWidth && h > minHeight else { return nil }
        let r = Rect(x: (b.width - w) / 2, y: (b.height - h) / 2, width: w, height: h)
        b.fill(r)
        b.box(r, title: title, glyphs: g, style: Style(.accent))
        return r.inset(1)
    }

    /// Every key from the key table; where the terminal is too short for them all, the list scrolls (↑↓, PgUp/PgDn)
    /// and the last line says which lines are shown. Long lines end in an ellipsis, not mid-word.
    /// Lines of the help overlay: one per key binding, then the glyph legend.
    static var helpLineCount: Int { KeyMap.bindings.count + legend(.unicode).count }

    /// The glyph legend that closes the help.
    static func legend(_ g: Glyphs) -> [(String, String)] {
        [
            ("", ""),
            ("glyphs", "branches: \(Character(g.waiting)) waiting  \(Character(g.ready)) ready  \(Character(g.queued)) queued in the dispatcher  \(Character(g.running)) running  \(Character(g.done)) done · sN its stream"),
            ("", "timelines: a stream's glyph where a kernel runs most of a cell, a lower block for part of it"),
            ("", "\(Character(g.queuedSpan)) a launched grid waiting in the in-order dispatcher, no block on an SM yet"),
            ("", "SMs: bar height = warps resident, shaped and coloured by stream; \(Character(g.idle)) an idle SM"),
        ]
    }

    static func help(_ b: inout CellBuffer, scroll: Int, glyphs g: Glyphs) {
        let rows = KeyMap.bindings.map { (TextFit.padRight($0.label, 9), $0.help) } + legend(g).map { (TextFit.padRight($0.0, 9), $0.1) }
        guard let inner = frame(&b, width: (rows.map { $0.0.count + $0.1.count }.max() ?? 20) + 6, height: rows.count + 4,
                                minWidth: 10, minHeight: 4, title: "keys", glyphs: g) else { return }
        let visible = max(1, inner.height - 2)
        let first = max(0, min(scroll, rows.count - visible))
        for (i, row) in rows[first..<min(rows.count, first + visible)].enumerated() {
            let x = b.text(inner.x + 1, inner.y + i, row.0, Style(.accent, bold: true), clip: inner)
            let room = inner.maxX - x
            b.text(x, inner.y + i, row.1.count <= room ? row.1 : TextFit.words(row.1, room, ellipsis: g.ellipsis), .plain, clip: inner)
        }
        let hint = visible < rows.count ? "↑↓ scroll · \(first + 1)–\(min(rows.count, first + visible)) of \(rows.count) · ? or Esc closes"
                                        : "press ?, h or Esc to close"
        b.text(inner.x + 1, inner.maxY - 1, hint, Style(.dim), clip: inner)
    }

    static func tooSmall(_ b: inout CellBuffer) {
        let lines = ["Terminal too small: \(b.width)×\(b.height).",
                     "convtop needs at least \(Layout.minWidth)×\(Layout.minHeight).",
                     "Enlarge the window, or press q to quit."]
        let top = max(0, (b.height - lines.count) / 2)
        for (i, l) in lines.enumerated() {
            b.text(max(0, (b.width - l.count) / 2), top + i, l, Style(i == 0 ? .warn : .normal, bold: i == 0))
        }
    }
}
