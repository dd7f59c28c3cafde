import ConvtopCore

extension FidelityOutput {
    /// Round 26: the dependency graphs CUDA captured from training steps, against convtop's kernel dependencies.
    static func printStepGraphs(_ rows: [StepGraphCheck.Row]) {
        guard !rows.isEmpty else { return }
        Swift.print("\nThe graph CUDA captured from a training step (Assets/calibration/round26, measure_step_dag.py: one step — forward, loss, backward, SGD — captured as a CUDA Graph serially and with the branch rule on 8 streams, backward on each forward op's stream, dumped node by node with cudaGraphDebugDotPrint; kernels matched to convtop's in launch order by what their names say they do; a dependency is implied when the other graph has a path between the same two kernels; longest chain with every matched kernel at its standalone time in convtop and every unmatched one at the launch latency; clean process)")
        printTable(["step", "meas ms", "sim ms", "captured kernels", "convtop's", "matched", "captured deps", "missed by convtop", "without autograd events",
                    "convtop's not captured", "longest chain captured µs", "convtop's µs", "without events µs"],
                   rows.map { r in
                       ["\(r.model) training b\(r.batch) \(r.variant.rawValue)", fmt(r.measuredMs), fmt(r.simulatedMs), String(r.capturedNodes), String(r.simulatedKernels), String(r.matched),
                        String(r.capturedEdges), String(r.missed), String(r.missedWithoutAutogradEvents), String(r.extra),
                        fmt(r.capturedPathUs, 0), fmt(r.simulatedPathUs, 0), fmt(r.simulatedPathWithoutAutogradEventsUs, 0)]
                   })
        let missed = rows.reduce(0) { $0 + $1.missed }, before = rows.reduce(0) { $0 + $1.missedWithoutAutogradEvents }
        let extra = rows.reduce(0) { $0 + $1.extra }
        let (serialErrors, speedupErrors) = StepGraphCheck.stepErrors(rows)
        let sp = FidelityReport.medianWorst(speedupErrors), se = FidelityReport.medianWorst(serialErrors)
        Swift.print("Step-graph summary: \(missed) captured dependencies convtop's graphs do not imply (\(before) without autograd's events), \(extra) of convtop's the captures do not, over \(rows.count) captured graphs; speedup error median \(fmt(sp.median, 3)), worst \(fmt(sp.worst, 3)); serial time error median \(pct1(se.median)), worst \(pct1(se.worst)) over \(speedupErrors.count) steps")
    }
}
