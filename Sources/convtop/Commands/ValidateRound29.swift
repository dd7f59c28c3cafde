import ConvtopCore

extension FidelityOutput {
    /// Round 29: whether a kernel runs longer beside a different kernel than beside a copy of itself, measured with
    /// kernels of its own and with PyTorch's, and convtop on PyTorch's chains.
    static func printFunctionMix(_ rows: [FunctionMix.Row], kernels: [FunctionMix.KernelCase]) {
        guard !rows.isEmpty else { return }
        Swift.print("\nA kernel beside a different kernel (Assets/calibration/round29, measure_function_mix.py: one H200 in a clean process; chains of 32 kernels of function A beside a chain of A, of B (A's code under another name) or of C (other code), each block stamping its SM and times; A's chain span and median kernel time, and how many of its kernels had a block of the other chain on one of their SMs)")
        printTable(["A blocks", "beside", "blocks", "A's chain µs", "A's kernel µs", "kernels sharing an SM"], kernels.map { c in
            [String(c.blocks), c.neighbour == .alone ? "alone" : c.neighbour.rawValue, c.neighbour == .alone ? "–" : String(c.neighbourBlocks),
             fmt(c.chainSpanUs, 2), fmt(c.kernelUs, 2), String(c.kernelsBesideNeighbour)]
        })
        Swift.print("\nChains of 48 PyTorch ops side by side (function_mix_ops.jsonl: 1×64×28×28 tensors, each chain on its own branch of one CUDA Graph, CUDA events around replays; in a clean process, then after the script ran PyTorch's profiler; time over the longest chain alone, measured and simulated in the same process)")
        printTable(["chains", "process", "meas µs", "longest alone meas µs", "ratio meas", "sim µs", "longest alone sim µs", "ratio sim", "diff"], rows.map { r in
            [r.label, r.process.rawValue, fmt(r.measuredUs, 1), fmt(r.measuredLongestUs, 1), fmt(r.measuredRatio, 2), fmt(r.simulatedUs, 1),
             fmt(r.simulatedLongestUs, 1), fmt(r.simulatedRatio, 2), String(format: "%+.2f", r.simulatedRatio - r.measuredRatio)]
        })
        let clean = rows.filter { $0.process == .clean }, profiled = rows.filter { $0.process == .profiled }
        let pairs = clean.filter { $0.kinds.count == 2 }
        let same = pairs.filter { $0.kinds[0] == $0.kinds[1] }.map { $0.measuredUs - $0.measuredLongestUs }
        let mixed = pairs.filter { $0.kinds[0] != $0.kinds[1] }.map { $0.measuredUs - $0.measuredLongestUs }
        let (m, w) = FidelityReport.medianWorst(clean.map { $0.simulatedRatio - $0.measuredRatio })
        let (pm, pw) = FidelityReport.medianWorst(profiled.map { $0.simulatedRatio - $0.measuredRatio })
        let signed = CorunStretchMeasurement.Result.median(clean.map { $0.simulatedRatio - $0.measuredRatio })
        let alone = kernels.filter { $0.neighbour == .alone }
        func kernelUs(_ n: FunctionMix.Neighbour) -> String {
            let v = kernels.filter { $0.neighbour == n }.map(\.kernelUs)
            return v.isEmpty ? "–" : fmt(FidelityReport.medianWorst(v).median, 2)
        }
        Swift.print("Function-mix summary: A's kernels take a median \(kernelUs(.alone)) µs alone, \(kernelUs(.a)) beside A, \(kernelUs(.b)) beside B, \(kernelUs(.c)) beside C over \(alone.count) grid sizes; two PyTorch chains of one kind run a median \(fmt(FidelityReport.medianWorst(same).median, 2)) µs longer than the longer alone, of two kinds \(fmt(FidelityReport.medianWorst(mixed).median, 2)) µs (48 kernels each); convtop's ratio error in the clean process median \(fmt(m, 3)) (signed \(String(format: "%+.3f", signed))), worst \(fmt(w, 3)) over \(clean.count) groups; after the profiler median \(fmt(pm, 3)), worst \(fmt(pw, 3)) over \(profiled.count)")
    }
}
