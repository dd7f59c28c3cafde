import ConvtopCore

extension FidelityOutput {
    /// Round 21: what starting a kernel costs the front end, by kind of kernel, measured against simulated.
    static func printLaunchCost(_ rows: [LaunchCost.Row]) {
        Swift.print("\nLaunch cost by kind of kernel (Assets/calibration/round21, measure_launch_cost.py: 256 tiny ops of one kind in one CUDA Graph as 1-16 independent chains, timed on the device alone in a clean process, medians of three interleaved passes; µs per kernel; measured in session 20, nothing fitted on it)")
        printTable(["op", "kernels/op", "chains", "meas µs", "sim µs", "error", "speedup meas", "speedup sim", "diff"],
                   rows.map { [$0.op, String($0.kernelsPerOp), String($0.streams), fmt($0.measuredUs, 2), fmt($0.simulatedUs, 2),
                               String(format: "%+.1f%%", $0.error * 100), fmt($0.speedupMeasured, 2), fmt($0.speedupSimulated, 2),
                               String(format: "%+.2f", $0.speedupError)] })
        let t = FidelityReport.medianWorst(rows.map(\.error))
        let sp = FidelityReport.medianWorst(rows.filter { $0.streams > 1 }.map(\.speedupError))
        Swift.print(String(format: "Launch-cost summary: per-kernel time error median %.1f%%, worst %.1f%%; speedup error median %.3f, worst %.3f over %d multi-chain cases",
                           t.median * 100, t.worst * 100, sp.median, sp.worst, rows.filter { $0.streams > 1 }.count))
    }
}
