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
