import ConvtopCore

/// The header line, the clickable policy bar and the footer.
enum HeaderWidgets {
    /// `streamsUsed`: streams the schedule put work on (serial uses 1 of the pool); `precision`: what the GPU runs
    /// (tf32 asked of a GPU without TF32 runs fp32).
    static func header(_ b: inout CellBuffer, _ r: Rect, _ s: AppState, streamsUsed: Int, precision: String, glyphs g: Glyphs) {
        b.fill(r, " ", Style(.normal, reverse: true))
        let sc = s.scenario
        var x = b.text(r.x + 1, r.y, "convtop", Style(.title, bold: true, reverse: true), clip: r)
        let streams = streamsUsed < sc.streams ? "\(streamsUsed) of \(sc.streams) streams" : "\(sc.streams) streams"
        // A profile file or a calibrated folder shows by its last path component.
        let gpu = sc.gpu.split(separator: "/").last.map(String.init) ?? sc.gpu
        let clean = sc.process == .clean ? ["clean process"] : []
        let full = [sc.model, sc.mode.rawValue, "batch \(sc.batch)", gpu, sc.policy.rawValue, streams,
                    sc.launch == .graph ? "CUDA Graph" : "eager launch", precision] + clean + ["iter \(s.iteration + 1)"]
        let compact = [sc.model, sc.mode == .training ? "train" : "infer", "b\(sc.batch)", gpu, sc.policy.rawValue,
                       streamsUsed < sc.streams ? "\(streamsUsed)/\(sc.streams)str" : "\(sc.streams)str", sc.launch == .graph ? "graph" : "eager", "it \(s.iteration + 1)"]
        let medium = [sc.model, sc.mode.rawValue, "batch \(sc.batch)", gpu, sc.policy.rawValue, streams,
                      sc.launch == .graph ? "graph" : "eager", "iter \(s.iteration + 1)"]
        // The right side first (state, speed, recording), so the model line never hides it.
        // Speed ×1 plays one iteration in `secondsPerIteration` of wall time: say so, so that ×1 has a unit.
        let pace = String(format: "%.1f s/iter", s.secondsPerIteration / s.speed)
        var right = s.paused ? "paused" : "playing ×\(Reducer.speedLabel(s.speed)) · \(pace)"
        if r.width < 110 { right = s.paused ? "paused" : "×\(Reducer.speedLabel(s.speed))" }
        if s.recording { right = "\(g.dot) REC  " + right } else if s.recordingAvailable { right = "rec off  " + right }
        let room = r.width - 14 - right.count
        let line = [full.joined(separator: " · "), medium.joined(separator: " · ")].first { $0.count <= room }
            ?? compact.joined(separator: " ")
        x = b.text(x, r.y, "  " + line, Style(.normal, reverse: true), clip: r)
        let rx = r.maxX - right.count - 1
        if rx > x + 1 { b.text(rx, r.y, right, Style(s.recording ? .bad : .normal, bold: s.recording, reverse: true), clip: r) }
    }

    /// Draws the policy selector; returns each policy's clickable rectangle.
    @discardableResult
    static func policyBar(_ b: inout CellBuffer, _ r: Rect, _ s: AppState) -> [(PolicyKind, Rect)] {
        var hits: [(PolicyKind, Rect)] = []
        let short: [PolicyKind: String] = [.roundRobin: "rr", .criticalPath: "crit-path", .resourceAware: "res-aware",
                                           .oooBackprop: "ooo", .greenContexts: "green"]
        let fullWidth = 8 + PolicyKind.allCases.reduce(0) { $0 + $1.rawValue.count + 5 }
        let shortWidth = 1 + PolicyKind.allCases.reduce(0) { $0 + (short[$1] ?? $1.rawValue).count + 5 }
        let narrow = fullWidth > r.width
        // Too narrow even for short names: digits only, and the current policy's name.
        let tiny = shortWidth > r.width
        var x = b.text(r.x + 1, r.y, narrow ? "" : "policy ", Style(.dim), clip: r)
        for (i, p) in PolicyKind.allCases.enumerated() {
            let name = tiny && p != s.scenario.policy ? "" : (narrow ? short[p] ?? p.rawValue : p.rawValue) + " "
            let label = " \((i + 1) % 10) \(name)"
            let current = p == s.scenario.policy
            let start = x
            x = b.text(x, r.y, label, current ? Style(.accent, bold: true, reverse: true) : Style(.normal), clip: r)
            if start < r.maxX { hits.append((p, Rect(x: start, y: r.y, width: min(x, r.maxX) - start, height: 1))) }
            x += 1
        }
        return hits
    }

    static func footer(_ b: inout CellBuffer, _ r: Rect, _ s: AppState) {
        // The status message has priority; whole key items fill the rest (none is ever cut).
        let showStatus = !s.status.isEmpty && s.frame - s.statusFrame < AppState.statusFrames
        let msg = showStatus ? " " + s.status + " " : ""
        let room = r.width - 1 - msg.count - 2
        // Help and quit are always shown; the other items fill what is left, in table order.
        let always = KeyMap.footerItems.filter { $0.hasPrefix("?") || $0.hasPrefix("q ") }
        let tail = always.joined(separator: "  ")
        var keys = ""
        for item in KeyMap.footerItems where !always.contains(item) && keys.count + item.count + tail.count + 4 <= room {
            keys += (keys.isEmpty ? "" : "  ") + item
        }
        keys += (keys.isEmpty ? "" : "  ") + tail
        if s.searchEditing {
            // The search being typed takes the footer's key list.
            keys = "/" + s.searchQuery + "_  Enter find · Esc cancel"
            b.text(r.x + 1, r.y, keys, Style(.accent, bold: true), clip: r)
        } else {
            b.text(r.x + 1, r.y, keys, Style(.dim), clip: r)
        }
        if showStatus { b.text(max(r.x, r.maxX - msg.count - 1), r.y, msg, Style(.accent, bold: true), clip: r) }
    }
}
