import ConvtopCore

extension FidelityOutput {
    /// Round 25: one SM's throughput shared among co-resident blocks of a probe kernel, against convtop's share rule.
    static func printSMSharing(_ rows: [SMSharing.Row], gpu: GPUSpec) {
        guard !rows.isEmpty else { return }
        Swift.print("\nOne SM shared by co-resident blocks (Assets/calibration/round25, measure_sm_sharing.py: a probe of 4 warps a block, exactly B blocks on every SM, issuing TF32 mma.sync or FP32 FMAs in 1-4 independent chains (ILP); measured in session 23, nothing fitted on it; simulated with the probe's one-block time pinned; gain = the SM's throughput at B blocks over one block's)")
        printTable(["probe", "ILP", "warps per SM", "block meas µs", "sim µs", "error", "gain meas", "gain sim"],
                   rows.map { r in
                       [r.probe.rawValue, String(r.ilp), String(r.warpsPerSM), fmt(r.measuredUs, 1), fmt(r.simulatedUs, 1), pct1(r.error),
                        fmt(r.measuredGain, 2), fmt(r.simulatedGain, 2)]
                   })
        var parts: [String] = []
        for probe in SMSharing.Probe.allCases {
            for ilp in Set(rows.filter { $0.probe == probe }.map(\.ilp)).sorted() {
                let sel = rows.filter { $0.probe == probe && $0.ilp == ilp }
                let warps = SMSharing.saturationWarps(sel).map(String.init) ?? "–"
                parts.append("\(probe.rawValue) ILP \(ilp) \(warps)")
            }
        }
        let mw = FidelityReport.medianWorst(rows.map(\.error))
        Swift.print("SM-sharing summary: block time error median \(pct1(mw.median)), worst \(pct1(mw.worst)) over \(rows.count) cases; warps per SM at 90% of the best throughput: \(parts.joined(separator: ", ")) (the profile saturates matrix products at \(gpu.gemmSaturationWarps))")
    }
}

extension FidelityOutput {
    /// Round 25: a grid behind an earlier grid's undispatched blocks, measured and simulated.
    static func printDispatchOrder(_ rows: [DispatchOrder.Row]) {
        guard !rows.isEmpty else { return }
        Swift.print("\nThe block dispatcher's order (Assets/calibration/round25/dispatch_order.jsonl, measure_dispatch_order.py: grid A of 132 × 8 blocks, four an SM by their shared memory, two waves of 20 µs; then grid B, 132 blocks of 5 µs that fit beside A's, on another stream (streams, one_wave, no_room: B's launch reaches the GPU about 3 µs after A's) or graph branch (graph); medians of seven launches; simulated as two branches of one CUDA Graph)")
        printTable(["case", "A blocks", "B shared memory", "A's last block starts µs", "B's first block meas µs", "sim µs"],
                   rows.map { r in
                       [r.point.name.rawValue, String(r.point.gridA), String(r.point.smemB), fmt(r.point.aLastStartUs, 1), fmt(r.point.bFirstStartUs, 1),
                        fmt(r.simulatedBStartUs, 1)]
                   })
    }
}

extension FidelityOutput {
    /// Round 25: probes of one block an SM beside cuDNN convolutions, each side's slowdown measured and simulated.
    static func printInterference(_ rows: [Interference.Row]) {
        guard !rows.isEmpty else { return }
        Swift.print("\nWhat a convolution takes from its SMs (Assets/calibration/round25/interference.jsonl, measure_interference.py: a probe of one 4-warp block an SM that waits on its own results — tensor-core products, FMAs, DRAM loads, L2 loads, shared-memory loads — beside 200 back-to-back convolutions of a chain-grid shape, and alone; the convolutions beside a stream of probes; clean process; simulated with the probe pinned to its time alone)")
        printTable(["convolution", "probe", "conv µs", "conv slowdown meas", "sim", "probe µs", "probe slowdown meas", "sim"],
                   rows.map { r in
                       [r.point.label, r.point.probe.rawValue, fmt(r.point.convUs, 1), fmt(r.point.convSlowdown, 2), fmt(r.simulatedConvSlowdown, 2),
                        fmt(r.point.probeAloneUs, 1), fmt(r.point.probeSlowdown, 2), fmt(r.simulatedProbeSlowdown, 2)]
                   })
        let median = CorunStretchMeasurement.Result.median
        Swift.print("Interference summary: convolutions slow a median \(fmt(median(rows.map(\.point.convSlowdown)), 2))× beside a probe (simulated \(fmt(median(rows.map(\.simulatedConvSlowdown)), 2))×), probes \(fmt(median(rows.map(\.point.probeSlowdown)), 2))× beside convolutions (simulated \(fmt(median(rows.map(\.simulatedProbeSlowdown)), 2))×) over \(rows.count) pairs")
    }
}

extension FidelityOutput {
    /// Round 25: two cuDNN convolutions side by side, how much the first slows beside the second, measured and simulated.
    static func printConvPairs(_ rows: [ConvPairs.Row]) {
        guard !rows.isEmpty else { return }
        Swift.print("\nTwo convolutions side by side (Assets/calibration/round25/conv_pairs.jsonl, measure_conv_pairs.py: every ordered pair of the interference set's convolutions, the first in one CUDA Graph on one stream, wholly beside a longer graph of the second on another; how much the first slows; clean process; the 12 pairs convtop gets most wrong)")
        let worst = rows.sorted { abs($0.simulatedSlowdown - $0.point.slowdown) > abs($1.simulatedSlowdown - $1.point.slowdown) }.prefix(12)
        printTable(["first", "beside", "first µs", "slowdown meas", "sim"],
                   worst.map { r in
                       [r.point.first.label, r.point.second.label, fmt(r.point.firstUs, 1), fmt(r.point.slowdown, 2), fmt(r.simulatedSlowdown, 2)]
                   })
        let errors = rows.map { $0.simulatedSlowdown - $0.point.slowdown }
        let mw = FidelityReport.medianWorst(errors), median = CorunStretchMeasurement.Result.median
        Swift.print("Conv-pair summary: the first convolution slows a median \(fmt(median(rows.map(\.point.slowdown)), 2))× measured, \(fmt(median(rows.map(\.simulatedSlowdown)), 2))× simulated; simulated minus measured slowdown median \(fmt(mw.median, 2)) (signed \(fmt(median(errors), 2))), worst \(fmt(mw.worst, 2)) over \(rows.count) pairs")
    }
}
