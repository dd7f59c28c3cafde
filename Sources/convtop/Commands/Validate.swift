import ArgumentParser
import ConvtopCore

/// `convtop validate`: simulated vs measured for every shipped calibration set.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Compare simulated and measured times for every shipped calibration set.")
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "List every concurrency case, not only the worst.") var all = false
    @Flag(help: "Refit the timing parameters on the H200 measurements with two-fold cross-validation (minutes).") var fit = false

    struct Out: Encodable {
        struct Cls: Encodable { var kernelClass: String; var measuredCount: Int; var simulatedCount: Int; var measuredUs: Double; var simulatedUs: Double; var error: Double }
        struct Set: Encodable {
            var file: String; var label: String; var serialLaunch: String
            var serialMeasuredMs: Double?; var serialSimulatedMs: Double; var serialError: Double?
            var branchMeasuredMs: Double?; var branchSimulatedMs: Double; var measuredSpeedup: Double?; var simulatedSpeedup: Double
            var classes: [Cls]
        }
        struct Pair: Encodable { var label: String; var measuredSpeedup: Double; var simulatedSpeedup: Double }
        var sets: [Set]; var pairs: [Pair]
        /// Every later set's summary line (errors as fractions: 0.05 is 5% serial error or 0.05 in speedup).
        var summaries: [SetSummary]
    }

    func run() throws {
        if fit { try FitOutput.run(gpu: try GPUCatalog.load("h200")); return }
        let r = try ValidationReport.run()
        if json {
            try printJSON(Out(sets: r.sets.map { s in
                Out.Set(file: s.file, label: s.label, serialLaunch: s.serialLaunch.rawValue, serialMeasuredMs: s.serialMeasuredMs,
                        serialSimulatedMs: s.serialSimulatedMs, serialError: s.serialError, branchMeasuredMs: s.branchMeasuredMs,
                        branchSimulatedMs: s.branchSimulatedMs, measuredSpeedup: s.measuredSpeedup, simulatedSpeedup: s.simulatedSpeedup,
                        classes: s.classes.map { Out.Cls(kernelClass: $0.kernelClass.rawValue, measuredCount: $0.measuredCount,
                                                         simulatedCount: $0.simulatedCount, measuredUs: $0.measuredUs,
                                                         simulatedUs: $0.simulatedUs, error: $0.error) })
            }, pairs: r.pairs.map { Out.Pair(label: $0.label, measuredSpeedup: $0.measuredSpeedup, simulatedSpeedup: $0.simulatedSpeedup) },
            summaries: try SetSummary.all()))
            return
        }
        func pct(_ v: Double?) -> String { v.map { String(format: "%+.1f%%", $0 * 100) } ?? "–" }
        func ms(_ v: Double?) -> String { v.map { fmt($0) } ?? "–" }
        print("Per iteration (serial on one stream; multi-stream = branch policy, 8 streams, CUDA Graph replay)")
        printTable(["set", "launch", "serial meas ms", "serial sim ms", "error", "multi-stream meas ms", "sim ms", "speedup meas", "speedup sim"],
                   r.sets.map { s in
                       [s.label + (s.file.hasPrefix("reference_") ? " (supplied set)" : ""), s.serialLaunch.rawValue, ms(s.serialMeasuredMs),
                        fmt(s.serialSimulatedMs), pct(s.serialError), ms(s.branchMeasuredMs), s.branchMeasuredMs == nil ? "–" : fmt(s.branchSimulatedMs),
                        s.measuredSpeedup.map { fmt($0, 2) } ?? "–", s.branchMeasuredMs == nil ? "–" : fmt(s.simulatedSpeedup, 2)]
                   })
        print("\nPer kernel class (sum of standalone kernel times, µs; measured kernels classified by name)")
        var rows: [[String]] = []
        for s in r.sets where !s.file.hasPrefix("reference_") {
            for c in s.classes where c.measuredCount + c.simulatedCount > 0 {
                rows.append([s.label, c.kernelClass.rawValue, String(c.measuredCount), String(c.simulatedCount), fmt(c.measuredUs, 1),
                             fmt(c.simulatedUs, 1), pct(c.measuredUs > 0 ? c.error : nil)])
            }
        }
        printTable(["set", "class", "kernels meas", "kernels sim", "meas µs", "sim µs", "error"], rows)
        print("\nTwo independent convolutions, one stream vs two (CUDA Graph replay)")
        printTable(["case", "speedup meas", "speedup sim"], r.pairs.map { [$0.label, fmt($0.measuredSpeedup, 3), fmt($0.simulatedSpeedup, 3)] })
        FidelityOutput.print(try FidelityReport.run(), allChains: all)
        // Every later set was measured on an H200: read its profile once.
        let h200 = try GPUCatalog.load("h200")
        FidelityOutput.printSecondLease(try SecondLeaseReport.run(gpu: h200), allChains: all)
        FidelityOutput.printProfilerEffect(try ProfilerEffect.rows())
        FidelityOutput.printFrontEndSharing(try FrontEndSharing.rows(gpu: h200))
        FidelityOutput.printGraphReplay(try GraphReplay.rows(gpu: h200))
        FidelityOutput.printLaunchCost(try LaunchCost.rows(gpu: h200))
        FidelityOutput.printBranchLiveness(try BranchLiveness.rows(gpu: h200))
        FidelityOutput.printCorunStretch(try CorunStretchMeasurement.run(), profileUs: h200.corunStretchUs ?? 0)
        FidelityOutput.printSMSharing(try SMSharing.run(gpu: h200), gpu: h200)
        FidelityOutput.printDispatchOrder(try DispatchOrder.run(gpu: h200))
        FidelityOutput.printInterference(try Interference.run(gpu: h200))
        FidelityOutput.printConvPairs(try ConvPairs.run(gpu: h200))
        FidelityOutput.printBlockRelease(try BlockRelease.run(gpu: h200))
        FidelityOutput.printSharedMemorySplits(try SharedMemorySplits.run(gpu: h200), all: try SharedMemorySplits.points())
        FidelityOutput.printFunctionMix(try FunctionMix.run(gpu: h200), kernels: try FunctionMix.kernelCases())
        FidelityOutput.printHeldOut(try HeldOutNetworks.run())
        FidelityOutput.printHeldOutBatches(try HeldOutNetworks.runBatches(gpu: h200))
        FidelityOutput.printHeldOutZoo(try HeldOutZoo.run(gpu: h200))
        FidelityOutput.printZooLiveness(try HeldOutZoo.livenessRows(gpu: h200))
        let floor = try DeviceSideRuns.graphFloorUs(pass: 0)
        FidelityOutput.printPrefixReplays(try PrefixReplays.run(gpu: h200, floorUs: floor), floorUs: floor)
        FidelityOutput.printZooTraining(try ZooTraining.run(gpu: h200))
        FidelityOutput.printZooTraining(try ZooTraining.run(gpu: h200, set: .variants), set: .variants)
        FidelityOutput.printStepGraphs(try StepGraphCheck.run(gpu: h200))
        // (the single-convolution sets and the catalog's left-out check also serve round 23's table: worked out once)
        var convs: [OtherShapes.ConvSet: [OtherShapes.ConvRow]] = [:]
        for set in [OtherShapes.ConvSet.round7, .round19, .round22] { convs[set] = try OtherShapes.convRows(set, gpu: h200) }
        let catalogCheck: (KernelCatalog, CatalogCrossValidation)? = {
            guard case .measured(let catalog) = CatalogSource.forGPU(h200) else { return nil }
            return (catalog, CatalogCrossValidation.run(catalog: catalog, gpu: h200))
        }()
        FidelityOutput.printOtherShapes(try OtherShapes.run(), convs: convs[.round7] ?? [], largeWindows: try OtherShapes.convRows(.round9))
        FidelityOutput.printRandomShapes(convs[.round19] ?? [])
        FidelityOutput.printTileEdges(convs[.round22] ?? [])
        if let (_, check) = catalogCheck { FidelityOutput.printRemeasurement(try Remeasurement.run(leftOut: check, heldOut: convs)) }
        FidelityOutput.printNewNetworks(try OtherShapes.run(.round18, gpu: h200))
        FidelityOutput.printOddSizes(try OtherShapes.run(.round20, gpu: h200))
        FidelityOutput.printLargeNetworks(try OtherShapes.run(.round24, gpu: h200))
        if let (catalog, check) = catalogCheck { FidelityOutput.printCatalog(catalog, check) }
        try FidelityOutput.printLinearTokens(gpu: h200)
    }
}
