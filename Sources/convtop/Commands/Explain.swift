import ArgumentParser
import ConvtopCore

/// `convtop explain MODEL`: where the lost parallelism goes, cause by cause, and what lifting each limit would win.
struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Split the gap between an iteration and its critical-path bound into causes, with what-ifs.",
        discussion: "Walks back the realized critical path of one simulated iteration and charges every delay to a cause; the causes are scaled to add up to the gap. Each what-if re-simulates with one limit lifted.")

    @Argument(help: "Model name, graph file, ONNX file or profiler trace.") var model: String
    @OptionGroup var flags: SimulationFlags
    @Flag(help: "Print JSON.") var json = false

    struct Output: Encodable {
        struct Cause: Encodable { var cause: String; var ms: Double; var share: Double; var pathMs: Double; var advice: String }
        struct Change: Encodable { var change: String; var cause: String; var iterationMs: Double; var savedMs: Double }
        var model: String, gpu: String, batch: Int, mode: String, policy: String, launch: String, streams: Int
        var iterationMs: Double, criticalPathMs: Double, gapMs: Double, scale: Double, pathKernels: Int
        var causes: [Cause]
        var whatIf: [Change]
        struct Measured: Encodable {
            var spanMs: Double, gpuBusyMs: Double, gpuIdleMs: Double, achievedConcurrency: Double
            var streams: Int, nearlyIdleStreams: Int, serialisedKernels: Int?, serialisedMs: Double?
        }
        /// For a profiler trace: what the measured run itself shows.
        var measured: Measured?
    }

    func run() throws {
        let s = try flags.scenario(model: model)
        let w = try Workload(s)
        let r = try w.run(s.policy, recordBlocks: false)
        let a = GapAttribution(workload: w, result: r)
        let what = try WhatIf.run(w, policy: s.policy)
        let causes = LossCause.allCases.map { c in
            Output.Cause(cause: c.rawValue, ms: (a.byCause[c] ?? 0) / 1000, share: a.gapUs > 0 ? (a.byCause[c] ?? 0) / a.gapUs : 0,
                         pathMs: (a.rawByCause[c] ?? 0) / 1000, advice: c.advice)
        }
        let measured = w.trace.map { t -> Output.Measured in
            let m = MeasuredRun(trace: t, kernels: w.kernels)
            return Output.Measured(spanMs: m.spanUs / 1000, gpuBusyMs: m.gpuBusyUs / 1000, gpuIdleMs: m.gpuIdleUs / 1000,
                                   achievedConcurrency: m.achievedConcurrency, streams: m.streams, nearlyIdleStreams: m.nearlyIdleStreams,
                                   serialisedKernels: m.checkedIndependence ? m.serialisedKernels : nil,
                                   serialisedMs: m.checkedIndependence ? m.serialisedUs / 1000 : nil)
        }
        let o = Output(model: w.graph.name, gpu: w.gpu.name, batch: s.batch, mode: s.mode.rawValue, policy: s.policy.rawValue,
                       launch: s.launch.rawValue, streams: s.streams, iterationMs: a.iterationUs / 1000,
                       criticalPathMs: a.criticalPathBoundUs / 1000, gapMs: a.gapUs / 1000, scale: a.scale, pathKernels: a.path.count,
                       causes: causes, whatIf: what.rows.map { Output.Change(change: $0.change, cause: $0.cause.rawValue,
                                                                             iterationMs: $0.iterationUs / 1000, savedMs: $0.savedUs / 1000) },
                       measured: measured)
        if json { try printJSON(o); return }
        print("\(o.model) \(o.mode) batch \(o.batch) on \(o.gpu), \(o.policy), \(o.launch) launch, \(o.streams) streams\(s.processNote)")
        print("iteration \(fmt(o.iterationMs)) ms · critical-path bound \(fmt(o.criticalPathMs)) ms · gap \(fmt(o.gapMs)) ms (\(fmt(o.iterationMs > 0 ? o.gapMs / o.iterationMs * 100 : 0, 1))% of the iteration)")
        print("\nWhere the gap goes (delays on the realized critical path of \(o.pathKernels) kernels, scaled by \(fmt(o.scale, 2)) to add up to the gap)")
        let shown = causes.filter { $0.pathMs > 0.0005 }.sorted { $0.ms > $1.ms }
        printTable(["cause", "ms", "of gap", "on path ms", "what helps"],
                   shown.map { [$0.cause, fmt($0.ms), fmt($0.share * 100, 1) + "%", fmt($0.pathMs), $0.advice] })
        if let m = o.measured {
            print("\nThe measured run itself (from the trace)")
            var rows = [["span, first kernel to last", fmt(m.spanMs) + " ms"],
                        ["GPU busy (some kernel running)", fmt(m.gpuBusyMs) + " ms"],
                        ["GPU idle within the span (host gaps, waits)", fmt(m.gpuIdleMs) + " ms (" + fmt(m.spanMs > 0 ? m.gpuIdleMs / m.spanMs * 100 : 0, 1) + "%)"],
                        ["kernels running at once, on average", fmt(m.achievedConcurrency, 2)],
                        ["streams with work (nearly idle ones)", "\(m.streams) (\(m.nearlyIdleStreams))"]]
            if let n = m.serialisedKernels, let t = m.serialisedMs {
                rows.append(["independent kernels run back to back on one stream", "\(n), \(fmt(t)) ms"])
            }
            printTable(["measured", "value"], rows)
        }
        print("\nWhat if (one limit lifted, re-simulated)")
        printTable(["change", "iteration ms", "saves ms", "saves"],
                   o.whatIf.map { [$0.change, fmt($0.iterationMs), fmt($0.savedMs), fmt(o.iterationMs > 0 ? $0.savedMs / o.iterationMs * 100 : 0, 1) + "%"] })
    }
}
