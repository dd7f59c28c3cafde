import ConvtopCore

/// The header line, the clickable policy bar and the footer.
enum HeaderWidgets {
    static func header(_ b: inout CellBuffer, _ r: Rect, _ s: AppState, glyphs g: Glyphs) {
        b.fill(r, " ", Style(.normal, reverse: true))
        let sc = s.scenario
        var x = b.text(r.x + 1, r.y, "convtop", Style(.title, bold: true, reverse: true), clip: r)
        let parts = [sc.model, sc.mode.rawValue, "batch \(sc.batch)", sc.gpu, sc.policy.rawValue, "\(sc.streams) streams",
                     sc.launch == .graph ? "CUDA Graph" : "eager launch", sc.precision.rawValue, "iter \(s.iteration + 1)"]
        x = b.text(x, r.y, "  " + parts.joined(separator: " · "), Style(.normal, reverse: true), clip: r)
        var right = s.paused ? "paused" : "playing ×\(Reducer.speedLabel(s.speed))"
        if s.recording { right = "\(g.dot) REC  " + right } else if s.recordingAvailable { right = "rec off  " + right }
        let rx = r.maxX - right.count - 1
        if rx > x + 1 { b.text(rx, r.y, right, Style(s.recording ? .bad : .normal, bold: s.recording, reverse: true), clip: r) }
    }

    /// Draws the policy selector; returns each policy's clickable rectangle.
    @discardableResult
    static func policyBar(_ b: inout CellBuffer, _ r: Rect, _ s: AppState) -> [(PolicyKind, Rect)] {
        var hits: [(PolicyKind, Rect)] = []
        var x = b.text(r.x + 1, r.y, "policy ", Style(.dim), clip: r)
        for (i, p) in PolicyKind.allCases.enumerated() {
            let label = " \(i + 1) \(p.rawValue) "
            let current = p == s.scenario.policy
            let start = x
            x = b.text(x, r.y, label, current ? Style(.accent, bold: true, reverse: true) : Style(.normal), clip: r)
            if start < r.maxX { hits.append((p, Rect(x: start, y: r.y, width: min(x, r.maxX) - start, height: 1))) }
            x += 1
        }
        return hits
    }

    static func footer(_ b: inout CellBuffer, _ r: Rect, _ s: AppState) {
        let keys = KeyMap.footerItems.joined(separator: "  ")
        let x = b.text(r.x + 1, r.y, keys, Style(.dim), clip: r)
        if !s.status.isEmpty && s.frame - s.statusFrame < 120 {
            let msg = " " + s.status + " "
            let mx = max(x + 2, r.maxX - msg.count - 1)
            b.text(mx, r.y, msg, Style(.accent, bold: true), clip: r)
        }
    }
}
