import ConvtopCore

extension FidelityOutput {
    /// Round 27: when a library convolution gives its SMs back, and what two copies side by side gain, measured and
    /// simulated.
    static func printBlockRelease(_ rows: [BlockRelease.Row]) {
        guard !rows.isEmpty else { return }
        Swift.print("\nWhen a convolution gives its SMs back (Assets/calibration/round27/block_release.jsonl, measure_block_release.py: each convolution in one CUDA Graph between two marker kernels, a probe grid that needs a whole SM on a second branch; per SM, when its last block of the convolution ended; the convolution alone and two copies on two branches; clean process, timed on the device; measured in session 25; the dispatcher deals blocks round robin since then, read off the second row, nothing fitted on it; NHWC: channels-last tensors, other kernels than convtop's NCHW lowering, not simulated; held out: the chain grid's other NCHW convolutions off by more than 0.12 on both leases, measured after the change, block_release_heldout.jsonl; a convolution of several kernels has no release column, its later kernels wait behind the probes)")
        printTable(["convolution", "set", "kernels", "alone µs", "median SM free meas", "sim", "pair gain meas", "sim"],
                   rows.map { r in
                       [r.point.label, r.point.heldOut ? "held out" : "first", String(r.point.launches), fmt(r.point.aloneUs, 1),
                        r.point.medianRelease.map { fmt($0, 2) } ?? "–", r.simulatedMedianRelease.map { fmt($0, 2) } ?? "–",
                        fmt(r.point.pairGain, 2), r.simulatedGain.map { fmt($0, 2) } ?? "–"]
                   })
        let median = CorunStretchMeasurement.Result.median
        func summary(_ set: [BlockRelease.Row]) -> String {
            let sim = set.filter { $0.simulatedGain != nil }
            let errors = sim.map { $0.simulatedGain! - $0.point.pairGain }
            let mw = FidelityReport.medianWorst(errors)
            return "a median \(fmt(median(sim.map(\.point.pairGain)), 2))× measured, \(fmt(median(sim.compactMap(\.simulatedGain)), 2))× simulated; gain error median \(fmt(mw.median, 3)) (signed \(fmt(median(errors), 3))), worst \(fmt(mw.worst, 3)) over \(sim.count) NCHW convolutions"
        }
        Swift.print("Block-release summary: two copies side by side gain \(summary(rows.filter { !$0.point.heldOut })); held out, \(summary(rows.filter(\.point.heldOut))); median SM free at a fraction of the last one's time (after the convolution's start, measured from \(fmt(BlockRelease.Point.startUs, 0)) µs after the first marker; SMs free by the probes' \(fmt(BlockRelease.Point.probeFloorUs, 1)) µs floor left out)")
    }
}
