import ConvtopCore

/// `convtop validate`'s round-13 tables: memory lifetimes, the co-running stretch's measurement, the zoo graphs at new
/// batch sizes and variants, and the zoo runs' kept versus freed memory.
extension FidelityOutput {
    /// Round 13: the branch harness's kept memory against its streams, and the model against the freed run.
    static func printBranchLiveness(_ rows: [BranchLiveness.Row]) {
        Swift.print("\nMemory lifetimes (Assets/calibration/round13/branch_liveness.jsonl, measure_branch_liveness.py: one H200 in a clean process, CUDA events from an idle GPU; kept = every output held until the forward pass ends, as rounds 2, 4 and 5's branch harness does; freed = each output freed after its last use, as the serial run does; convtop simulates streams, not lifetimes, and is compared with the freed run)")
        printTable(["network", "outputs MB", "streams", "serial ms", "kept ms", "kept cost", "speedup kept", "speedup freed",
                    "serial sim ms", "error", "speedup sim", "diff"],
                   rows.map { [$0.label, fmt($0.footprintMb, 0), String($0.streamsUsed), fmt($0.serialMs, 3), fmt($0.serialKeptMs, 3),
                               String(format: "%+.1f%%", $0.keptCost * 100), fmt($0.speedupKept, 2), fmt($0.speedupFreed, 2),
                               fmt($0.serialSimulatedMs, 3), String(format: "%+.1f%%", $0.serialError * 100), fmt($0.speedupSimulated, 2),
                               String(format: "%+.2f", $0.speedupErrorFreed)] })
        let freed = FidelityReport.medianWorst(rows.map(\.speedupErrorFreed)), kept = FidelityReport.medianWorst(rows.map(\.speedupErrorKept))
        let serial = FidelityReport.medianWorst(rows.map(\.serialError))
        let one = rows.filter { $0.label.hasSuffix(" b1") }.map(\.keptCost)
        Swift.print(String(format: "Memory-lifetime summary: speedup error median %.3f, worst %.3f against the freed runs (%.3f, %.3f against the kept ones, as earlier rounds measured); serial time error median %.1f%%, worst %.1f%% over %d sets; keeping every output costs the serial replay %.1f-%.1f%% at batch 1",
                           freed.median, freed.worst, kept.median, kept.worst, serial.median * 100, serial.worst * 100, rows.count,
                           (one.min() ?? 0) * 100, (one.max() ?? 0) * 100))
    }

    /// The co-running stretch as the profiled branch-rule replays measure it, against the profile's value.
    static func printCorunStretch(_ r: CorunStretchMeasurement.Result, profileUs: Double) {
        Swift.print("\nCo-running stretch (Assets/calibration/round5/replay_profiles.jsonl.gz and round13/branch_liveness_kernels.jsonl.gz, corun_stretch.py: memory-bound kernels of profiled branch-rule replays at batch 1 that overlapped another stream's matrix product, their time there less their time in the serial replay)")
        printTable(["replay", "kernels", "median stretch µs"],
                   r.replays.map { [$0.label, String($0.stretches.count), fmt(CorunStretchMeasurement.Result.median($0.stretches), 2)] })
        Swift.print(String(format: "Co-running stretch: median %.2f µs over %d kernels (the profile's corun_stretch_us: %.2f); memory-bound kernels beside memory-bound ones only, %.2f µs over %d (not modelled); products beside another stream's product, %.2f µs over %d (the SM shares give part of it, the stretch the rest)",
                           r.median, r.all.count, profileUs, CorunStretchMeasurement.Result.median(r.besideMemoryOnly), r.besideMemoryOnly.count,
                           CorunStretchMeasurement.Result.median(r.productsBesideProducts), r.productsBesideProducts.count))
    }

    /// Round 13: the branchy zoo graphs at new batch sizes and new variants, measured after the co-running stretch.
    static func printHeldOutZoo(_ r: HeldOutZoo.Report) {
        Swift.print("\nZoo graphs at new batch sizes and new variants (Assets/calibration/round13/zoo_networks.jsonl: convtop's own graphs run in PyTorch by measure_catalog.py --graphs in a clean process, measured after the co-running stretch was set; simulated clean)")
        networkTable(r.rows, speedupWhenMeasured: true)
        let se = FidelityReport.medianWorst(r.rows.map(\.serialError))
        let sp = FidelityReport.medianWorst(r.rows.compactMap(\.speedupError))
        let pass = FidelityReport.medianWorst(r.passSpread)
        Swift.print("Zoo held-out summary: serial time error median \(String(format: "%.1f%%", se.median * 100)), worst \(String(format: "%.1f%%", se.worst * 100)) over \(r.rows.count) sets; speedup error median \(fmt(sp.median, 3)), worst \(fmt(sp.worst, 3)); measured speedups pass 1 against pass 0: median \(fmt(pass.median, 3)), worst \(fmt(pass.worst, 3)) over \(r.passSpread.count)")
    }

    /// Round 13: the zoo graphs' serial replays with every output kept (as the zoo runs measure) and freed.
    static func printZooLiveness(_ rows: [HeldOutZoo.LivenessRow]) {
        Swift.print("\nZoo graphs' serial replays, every output kept (as measure_catalog.py's zoo runs) and freed after its last use (Assets/calibration/round13/zoo_liveness.jsonl, measure_zoo_liveness.py; clean process; simulated clean)")
        printTable(["network", "kept ms", "freed ms", "kept cost", "sim ms", "error vs kept", "error vs freed"],
                   rows.map { [$0.label, fmt($0.keptMs, 3), fmt($0.freedMs, 3), String(format: "%+.1f%%", $0.keptCost * 100), fmt($0.simulatedMs, 3),
                               String(format: "%+.1f%%", $0.errorKept * 100), String(format: "%+.1f%%", $0.errorFreed * 100)] })
        let kept = FidelityReport.medianWorst(rows.map(\.errorKept)), freed = FidelityReport.medianWorst(rows.map(\.errorFreed))
        Swift.print(String(format: "Zoo-liveness summary: serial time error median %.1f%%, worst %.1f%% against the kept replays; median %.1f%%, worst %.1f%% against the freed ones, over %d sets",
                           kept.median * 100, kept.worst * 100, freed.median * 100, freed.worst * 100, rows.count))
    }
}
