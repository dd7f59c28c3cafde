import ConvtopCore

/// The kernel inspector: everything about one kernel of the iteration on screen — its op, stream, launch
/// configuration, how many blocks fit an SM, work, when it was launched, issued, started and ended, the SMs it ran on,
/// and what it waited for (the `explain` causes for this kernel).
enum InspectorWidget {
    /// The kernel to inspect at `t`: on `stream` if given, else the running kernel with the most blocks; when none
    /// runs, the next to start (on that stream).
    static func kernel(at t: Double, stream: Int?, _ m: DashboardModel) -> KernelRecord? {
        let recs = m.result.trace.kernels.filter { stream == nil || $0.stream == stream }
        let running = recs.filter { $0.start <= t && t < $0.end }
        if let k = running.max(by: { ($0.blocks, $1.kernel) < ($1.blocks, $0.kernel) }) { return k }
        return recs.filter { $0.start > t }.min { ($0.start, $0.kernel) < ($1.start, $1.kernel) }
    }

    static func draw(_ b: inout CellBuffer, _ s: AppState, _ m: DashboardModel, glyphs g: Glyphs) {
        let lines = self.lines(s, m)
        guard let inner = OverlayWidgets.frame(&b, width: 100, height: lines.count + 4, minWidth: 30, minHeight: 6,
                                               title: "kernel", glyphs: g) else { return }
        for (i, l) in lines.prefix(max(0, inner.height - 2)).enumerated() {
            let x = b.text(inner.x + 1, inner.y + i, TextFit.padRight(l.0, 12), Style(.accent, bold: true), clip: inner)
            b.text(x, inner.y + i, TextFit.fit(l.1, inner.maxX - x, ellipsis: g.ellipsis), .plain, clip: inner)
        }
        b.text(inner.x + 1, inner.maxY - 1, TextFit.fit("Enter, i or Esc closes · ←→ moves the cursor · a click on a lane picks its kernel",
                                                         inner.width - 2, ellipsis: g.ellipsis), Style(.dim), clip: inner)
    }

    /// The inspector's rows: a label and its text.
    static func lines(_ s: AppState, _ m: DashboardModel) -> [(String, String)] {
        guard let rec = kernel(at: s.cursor, stream: s.inspectStream, m) else {
            return [("", "no kernel at or after the cursor" + (s.inspectStream.map { " on stream \($0)" } ?? ""))]
        }
        let kg = m.workload.kernels, gpu = m.workload.gpu
        let k = kg.kernels[rec.kernel]
        let op = kg.graph.nodes[k.op]
        let fit = BlockFootprint(kernel: k, gpu: gpu).blocksPerSM(gpu)
        let alone = kg.measuredUs?[k.id] ?? TimingModel(gpu: gpu).standaloneDuration(k)
        func us(_ v: Double) -> String { String(format: "%.2f µs", v) }
        let waits = LossCause.allCases.compactMap { c -> String? in
            guard let v = m.explanation.perKernel[rec.kernel][c], v > 0.0005 else { return nil }
            return "\(c.rawValue) \(us(v))"
        }
        let state = rec.start > s.cursor ? "starts in \(us(rec.start - s.cursor))" : "running"
        return [
            ("kernel", "\(k.displayName) (\(k.kernelClass.rawValue)\(k.origin == .catalog ? ", measured" : "")) · \(state)"),
            ("op", "\(op.name) · \(op.kind.name) · stream \(rec.stream)"),
            ("launch", "grid \(k.grid) · block \(k.block) · \(k.blocks) blocks · \(fit) per SM (\(fit * gpu.smCount) per wave)"),
            ("resources", "\(k.registersPerThread) registers a thread · \(k.sharedMemoryPerBlock) B shared memory a block"),
            ("work", String(format: "%.3g GFLOP · %.3g MB", k.flops / 1e9, k.bytes / 1e6)),
            ("times", "launched \(us(rec.launched)) · issued \(us(rec.issued)) · first block \(us(rec.start)) · end \(us(rec.end))"),
            ("ran", "\(us(rec.end - rec.start)) on \(rec.smsUsed) SMs · alone on the GPU \(us(alone))"),
            ("SMs", smList(rec.kernel, m)),
            ("waited", waits.isEmpty ? "nothing: it started as soon as it could" : waits.joined(separator: " · ")),
        ]
    }

    /// The SMs the kernel's blocks ran on, as ranges ("0–27, 64–71"), from the iteration's block-group records.
    static func smList(_ kernel: Int, _ m: DashboardModel) -> String {
        let sms = Set(m.result.trace.groups.filter { Int($0.kernel) == kernel }.map { Int($0.sm) }).sorted()
        guard !sms.isEmpty else { return "not recorded" }
        var ranges: [String] = [], lo = sms[0], hi = sms[0]
        for s in sms.dropFirst() {
            if s == hi + 1 { hi = s; continue }
            ranges.append(lo == hi ? "\(lo)" : "\(lo)–\(hi)"); lo = s; hi = s
        }
        ranges.append(lo == hi ? "\(lo)" : "\(lo)–\(hi)")
        return ranges.joined(separator: ", ")
    }
}
