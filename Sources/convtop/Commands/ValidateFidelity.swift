import ConvtopCore

/// The round-2 part of `convtop validate`: networks and concurrency chains measured on an H200.
enum FidelityOutput {
    static func pct(_ v: Double) -> String { String(format: "%+.1f%%", v * 100) }

    /// Network rows: serial measured and simulated, error, speedups and their difference.
    static func networkTable(_ rows: [FidelityReport.NetworkRow], speedupWhenMeasured: Bool = false) {
        printTable(["network", "serial meas ms", "serial sim ms", "error", "speedup meas", "speedup sim", "diff"],
                   rows.map { n in
                       [n.label, fmt(n.serialMeasuredMs), fmt(n.serialSimulatedMs), pct(n.serialError),
                        n.speedupMeasured.map { fmt($0, 2) } ?? "–",
                        speedupWhenMeasured && n.speedupMeasured == nil ? "–" : fmt(n.speedupSimulated, 2),
                        n.speedupError.map { String(format: "%+.2f", $0) } ?? "–"]
                   })
    }

    static func print(_ r: FidelityReport, allChains: Bool) {
        Swift.print("\nNetworks (H200 measured; serial = one stream, multi-stream = branch rule on 8 streams; CUDA Graph replay)")
        networkTable(r.networks)
        Swift.print("\nconvtop's zoo graphs run in PyTorch (Assets/catalog/h200/networks.jsonl; serial and branch rule, CUDA Graph replay)")
        networkTable(r.zoo)
        let b132 = r.zoo.filter { $0.label.hasSuffix(" b1") || $0.label.hasSuffix(" b32") }
        let z = FidelityReport.medianWorst(b132.map(\.serialError)), zs = FidelityReport.medianWorst(r.zoo.compactMap(\.speedupError))
        Swift.print("Zoo summary: serial time error at batch 1 and 32 median \(String(format: "%.1f%%", z.median * 100)), worst \(String(format: "%.1f%%", z.worst * 100)) over \(b132.count) sets; speedup error median \(fmt(zs.median, 3)), worst \(fmt(zs.worst, 3)) over \(r.zoo.count)")
        let chains = shown(r.chains, all: allChains, count: 12, error: \.speedupError)
        Swift.print("\nIndependent convolution chains, one stream vs N (\(r.chains.count) cases\(allChains ? "" : "; the 12 worst shown, --all for every one"))")
        chainTable(chains)
        printFrontEnd(r)
        let sp = FidelityReport.medianWorst(r.speedupErrors)
        let se = FidelityReport.medianWorst(r.serialErrors)
        let spNet = FidelityReport.medianWorst(r.networks.compactMap(\.speedupError))
        let spCh = FidelityReport.medianWorst(r.chains.map(\.speedupError))
        let spFE = FidelityReport.medianWorst(r.frontEndSpeedupErrors)
        Swift.print("\nSummary: multi-stream speedup error median \(fmt(sp.median, 3)), worst \(fmt(sp.worst, 3)) (networks \(fmt(spNet.median, 3))/\(fmt(spNet.worst, 3)), chains \(fmt(spCh.median, 3))/\(fmt(spCh.worst, 3)), front end \(fmt(spFE.median, 3))/\(fmt(spFE.worst, 3))); serial time error median \(String(format: "%.1f%%", se.median * 100)), worst \(String(format: "%.1f%%", se.worst * 100)) over \(r.networks.count + r.zoo.count) network sets")
    }
}

extension FidelityOutput {
    /// The front-end microbenchmark: tiny kernels as independent chains, µs per kernel and speedup over one chain.
    static func printFrontEnd(_ r: FidelityReport) {
        let rows = r.frontEnd
        guard !rows.isEmpty else { return }
        Swift.print("\nFront end: 512 tiny element-wise kernels as N independent chains in one CUDA Graph (Assets/calibration/round3/frontend.jsonl; µs per kernel after the graph-launch floor)")
        frontEndTable(rows)
        let pk = FidelityReport.medianWorst(rows.map(\.perKernelError))
        let sp = FidelityReport.medianWorst(r.frontEndSpeedupErrors)
        Swift.print("Front-end summary: per-kernel time error median \(pct1(pk.median)), worst \(pct1(pk.worst)); speedup error median \(fmt(sp.median, 3)), worst \(fmt(sp.worst, 3)) over \(r.frontEndSpeedupErrors.count) multi-chain cases")
    }

    /// Every row, or the `count` with the largest absolute error, largest first.
    static func shown<Row>(_ rows: [Row], all: Bool, count: Int, error: (Row) -> Double) -> [Row] {
        all ? rows : Array(rows.sorted { abs(error($0)) > abs(error($1)) }.prefix(count))
    }

    /// Chain rows: one stream and N streams measured and simulated (µs), speedups and their difference.
    static func chainTable(_ rows: [FidelityReport.ChainRow]) {
        printTable(["case", "streams", "1 stream meas µs", "sim µs", "N streams meas µs", "sim µs", "speedup meas", "speedup sim", "diff"],
                   rows.map { [$0.label, String($0.streams), fmt($0.serialMeasuredUs, 1), fmt($0.serialSimulatedUs, 1), fmt($0.parallelMeasuredUs, 1),
                               fmt($0.parallelSimulatedUs, 1), fmt($0.speedupMeasured, 2), fmt($0.speedupSimulated, 2), String(format: "%+.2f", $0.speedupError)] })
    }

    /// Front-end rows: µs per kernel measured and simulated, its error, speedups and their difference.
    static func frontEndTable(_ rows: [FidelityReport.FrontEndRow]) {
        printTable(["blocks per kernel", "chains", "meas µs", "sim µs", "error", "speedup meas", "speedup sim", "diff"],
                   rows.map { [String($0.blocks), String($0.streams), fmt($0.perKernelMeasuredUs, 2), fmt($0.perKernelSimulatedUs, 2), pct($0.perKernelError),
                               fmt($0.speedupMeasured, 2), fmt($0.speedupSimulated, 2), String(format: "%+.2f", $0.speedupError)] })
    }

    /// Networks outside every fit: their errors are what a user's own network should expect.
    static func printHeldOut(_ rows: [FidelityReport.NetworkRow]) {
        printNetworkSet("Networks no parameter was fitted on (Assets/onnx: opset-17 exports simulated; the same networks measured in PyTorch on an H200)",
                        summary: "Held-out", rows)
    }

    /// A set of network rows: its title, its table, and its summary line (`name` summary: serial and speedup errors).
    static func printNetworkSet(_ title: String, summary name: String, _ rows: [FidelityReport.NetworkRow]) {
        Swift.print("\n" + title)
        networkTable(rows, speedupWhenMeasured: true)
        let se = FidelityReport.medianWorst(rows.map(\.serialError))
        let sp = FidelityReport.medianWorst(rows.compactMap(\.speedupError))
        Swift.print("\(name) summary: serial time error median \(String(format: "%.1f%%", se.median * 100)), worst \(String(format: "%.1f%%", se.worst * 100)) over \(rows.count) sets; speedup error median \(fmt(sp.median, 3)), worst \(fmt(sp.worst, 3)) over \(rows.compactMap(\.speedupError).count)")
    }
}

extension FidelityOutput {
    /// The ONNX corpus at new batch sizes (`measure_batches.py`).
    static func printHeldOutBatches(_ rows: [FidelityReport.NetworkRow]) {
        printNetworkSet("The same networks at new batch sizes (Assets/onnx/measured/batches, measure_batches.py: batch 4, 16 and 64, training at 8 and 64; measured in session 17, nothing fitted on them)",
                        summary: "New-batch", rows)
    }

    /// Round 7: networks at new input and batch sizes, both exporters, and conv layers at new shapes.
    static func printOtherShapes(_ rows: [FidelityReport.NetworkRow], convs: [OtherShapes.ConvRow], largeWindows: [OtherShapes.ConvRow]) {
        printNetworkSet("New input sizes, batch sizes and networks (Assets/calibration/round7: nothing was fitted or catalogued on them; each ONNX export simulated, ts17 = TorchScript exporter, dyn = dynamo)",
                        summary: "New-shapes", rows)
        Swift.print("\nConvolutions at new shapes (\(convs.count) layers: odd channels, maps and batches; 1×1 to 7×7, strided, grouped, depthwise), each alone, as a user's network would price them")
        printConvTable(convs, unit: "layers")
        let mw = FidelityReport.medianWorst(convs.map(\.error))
        Swift.print("New-conv summary: single-layer error median \(pct1(mw.median)), worst \(pct1(mw.worst)) over \(convs.count) layers")
        let lw = FidelityReport.medianWorst(largeWindows.map(\.error))
        Swift.print("Dense 7×7 convolutions (Assets/calibration/round9: \(largeWindows.count) forward layers held out from the large-window rule, model alone): error median \(pct1(lw.median)) (signed \(signedMedian(largeWindows.map(\.error)))), worst \(pct1(lw.worst))")
    }

    /// A class of conv ops in a table: its label and which rows it holds.
    typealias ConvClass = (label: String, holds: (OtherShapes.ConvRow) -> Bool)

    /// By what priced them (the catalog's neighbours or the model alone), and with `byAlignment` the neighbour-priced
    /// ones split by vector alignment.
    static func pricedBy(byAlignment: Bool = false) -> [ConvClass] {
        let model: ConvClass = ("model alone", { (r: OtherShapes.ConvRow) in r.origin == .model })
        guard byAlignment else { return [("catalog neighbours", { (r: OtherShapes.ConvRow) in r.origin == .near }), model] }
        return [("catalog neighbours, aligned", { (r: OtherShapes.ConvRow) in r.origin == .near && r.aligned }),
                ("catalog neighbours, unaligned", { (r: OtherShapes.ConvRow) in r.origin == .near && !r.aligned }), model]
    }

    /// Conv ops by pass and by `classes` (the column `column`): count, median signed and absolute error, worst.
    static func printConvTable(_ convs: [OtherShapes.ConvRow], unit: String, column: String = "priced by",
                               classes: [ConvClass] = pricedBy()) {
        var table: [[String]] = []
        for p in OpPass.allCases {
            for c in classes {
                let errs = convs.filter { $0.pass == p && c.holds($0) }.map(\.error)
                guard !errs.isEmpty else { continue }
                let mw = FidelityReport.medianWorst(errs)
                table.append(["conv " + p.rawValue, c.label, String(errs.count), signedMedian(errs), pct1(mw.median), pct1(mw.worst)])
            }
        }
        printTable(["ops", column, unit, "median signed error", "median error", "worst"], table)
    }

    /// A held-out set of single ops' summary line: median absolute and signed error, worst, count.
    static func printOpSummary(_ name: String, _ convs: [OtherShapes.ConvRow]) {
        let mw = FidelityReport.medianWorst(convs.map(\.error))
        Swift.print("\(name) summary: single-op error median \(pct1(mw.median)) (signed \(signedMedian(convs.map(\.error)))), worst \(pct1(mw.worst)) over \(convs.count) ops")
    }

    /// Round 19: dense convolutions at random shapes, none in the catalog.
    static func printRandomShapes(_ convs: [OtherShapes.ConvRow]) {
        Swift.print("\nConvolutions at random shapes (Assets/calibration/round19: \(convs.count) dense convolutions, batch 1–64, 8–2,048 channels in and out, maps 7–112, 1×1, 3×3 and 5×5, stride 1 and 2, drawn at random and measured alone in session 19; none is in the catalog; aligned = channels and a 1×1's map multiples of 4)")
        printConvTable(convs, unit: "ops", classes: pricedBy(byAlignment: true))
        printOpSummary("Random-shape", convs)
    }

    /// Round 18: networks no earlier set holds, at new batch and input sizes, both exporters.
    static func printNewNetworks(_ rows: [FidelityReport.NetworkRow]) {
        printNetworkSet("Networks no earlier set holds (Assets/calibration/round18, measure_new_networks.py: measured in session 18, nothing fitted or catalogued on them; the grouped sweep h200/grouploop was measured after its RegNets pointed at that regime, their 24-channel groups left out until session 22 measured them, h200/groupwidth24; each ONNX export simulated, ts17 = TorchScript exporter, dyn = dynamo)",
                        summary: "New-network", rows)
    }

    /// Round 20: known networks at odd input and batch sizes, both exporters.
    static func printOddSizes(_ rows: [FidelityReport.NetworkRow]) {
        printNetworkSet("Networks at odd input and batch sizes (Assets/calibration/round20, measure_odd_sizes.py: measured in session 19 after its alignment classes and neighbour scale, as their check; nothing fitted or catalogued on it; VGG-11 at 176 px did not export; each ONNX export simulated, ts17 = TorchScript exporter, dyn = dynamo)",
                        summary: "Odd-size", rows)
    }

    /// Round 24: larger and newer networks than any earlier set, both exporters.
    static func printLargeNetworks(_ rows: [FidelityReport.NetworkRow]) {
        printNetworkSet("Larger and newer networks (Assets/calibration/round24, measure_large_networks.py: measured in session 21, nothing fitted or catalogued on them; torch.fx could not trace ConvNeXt, Swin and ViT for the branch rule, and VGG-16 at 192 px did not export; each ONNX export simulated, ts17 = TorchScript exporter, dyn = dynamo)",
                        summary: "Large-network", rows)
    }

    /// The middle signed error (the upper one of an even count) as a signed percentage, or "–" for none.
    static func signedMedian(_ errors: [Double]) -> String {
        let sorted = errors.sorted()
        return sorted.isEmpty ? "–" : String(format: "%+.1f%%", sorted[sorted.count / 2] * 100)
    }

    /// Round 8: the same cases before and after the profiler ran in the measuring process.
    static func printProfilerEffect(_ rows: [ProfilerEffect.Row]) {
        Swift.print("\nThe profiler's trace left behind (Assets/calibration/round8: one process times each case, then runs PyTorch's profiler once, then times it again; front end: the graph replay over its 512 kernels, launch floor included)")
        printTable(["case", "unit", "before", "after", "change", "speedup before", "speedup after"],
                   rows.map { [$0.label, $0.unit, fmt($0.before, 3), fmt($0.after, 3), String(format: "%+.0f%%", ($0.after / $0.before - 1) * 100),
                               $0.speedupBefore.map { fmt($0, 2) } ?? "–", $0.speedupAfter.map { fmt($0, 2) } ?? "–"] })
    }

    /// Round 10: a chain of tiny adds beside streams of spin kernels, measured against simulated.
    static func printFrontEndSharing(_ rows: [FrontEndSharing.Row]) {
        Swift.print("\nBeside spinning streams (Assets/calibration/round10/front_end_sharing_repeat.jsonl: 512 one-block adds on one stream beside K streams of 20 one-block spin kernels each, one CUDA Graph; µs per add after the launch floor, medians of five rounds, and against the adds alone in the same process)")
        printTable(["process", "queues", "K", "spin µs", "meas µs", "alone", "slowdown meas", "sim µs", "alone", "slowdown sim"],
                   rows.map { [$0.phase.process.rawValue, String($0.connections), String($0.side), fmt($0.spinUs, 1),
                               fmt($0.measuredUs, 3), fmt($0.measuredAloneUs, 3), String(format: "%+.1f%%", ($0.measuredRatio - 1) * 100),
                               fmt($0.simulatedUs, 3), fmt($0.simulatedAloneUs, 3), String(format: "%+.1f%%", ($0.simulatedRatio - 1) * 100)] })
    }

    /// Round 12: CUDA Graph replays by graph size, before and after the profiler ran, measured against simulated.
    static func printGraphReplay(_ rows: [GraphReplay.Row]) {
        Swift.print("\nGraph replay (Assets/calibration/round12/graph_replay.jsonl: graphs nobody fitted, medians of three rounds; replay = CUDA events from an idle GPU, device = the replay behind a spin kernel, its host call hidden; simulated with the H200 profile, which models the profiled process)")
        printTable(["process", "graph", "host call µs", "replay µs", "device µs", "replay − device", "sim µs", "error"],
                   rows.map { [$0.phase.process.rawValue, $0.label, fmt($0.hostCallUs, 1), fmt($0.replayUs, 1), fmt($0.deviceUs, 1),
                               fmt($0.replayUs - $0.deviceUs, 1), fmt($0.simulatedUs, 1), String(format: "%+.1f%%", $0.error * 100)] })
        for phase in ProfilerEffect.Phase.allCases {
            let errs = rows.filter { $0.phase == phase }.map(\.error)
            guard !errs.isEmpty else { continue }
            let mw = FidelityReport.medianWorst(errs)
            Swift.print(String(format: "Graph-replay summary (%@ process): replay time error median %.1f%%, worst %.1f%% over %d graphs",
                               phase.process.rawValue, mw.median * 100, mw.worst * 100, errs.count))
        }
    }

    /// The kernel catalog's leave-one-layer-out cross-validation, per op family and pass.
    static func printCatalog(_ catalog: KernelCatalog, _ cv: CatalogCrossValidation) {
        Swift.print("\nKernel catalog (\(catalog.count) ops measured on the \(catalog.gpuName)): each layer left out at every batch size and predicted from its 6 nearest measured neighbours")
        printTable(["ops", "predicted", "of", "median error", "90th pct", "worst", "model alone: median", "90th pct"],
                   cv.rows.map { [$0.family.rawValue + " " + $0.pass.rawValue, String($0.predicted), String($0.total),
                                  pct1($0.medianError), pct1($0.p90Error), pct1($0.worstError),
                                  $0.modelMedianError.map(pct1) ?? "–", $0.modelP90Error.map(pct1) ?? "–"] })
        Swift.print("Catalog summary: left-out single-op error median \(pct1(cv.medianError)), worst \(pct1(cv.worstError)) over \(cv.predicted) of \(cv.total) ops (the rest have no neighbour within the distance and keep the model's time)")
        printGroupPaths(catalog)
    }

    /// Grouped convolutions' paths (group by group or not) as the vote of their nearest measured ones gives them.
    static func printGroupPaths(_ catalog: KernelCatalog) {
        let dir = AssetLocator.directory("catalog").map { $0 + "/\(catalog.gpuName)/oddgroups/catalog.tsv.gz" }
        let odd = dir.flatMap { try? CatalogFile.load(path: $0).catalog }
        let c = GroupPaths.check(catalog, heldOut: odd)
        Swift.print("\nGrouped convolutions: does cuDNN run them group by group? Each of the catalog's measured ones predicted from the 3 nearest others (left out), and the odd-groups sweep (Assets/catalog/\(catalog.gpuName)/oddgroups, never merged: 5–37 groups of 8, 16 and 24 channels) from the catalog; the rule is the one a lowering without a catalog follows")
        var rows: [[String]] = []
        for (set, tallies) in [("left out", c.leftOut), ("odd groups (held out)", c.heldOut)] {
            for p in ConvPass.allCases { if let t = tallies[p] { rows.append([set, p.rawValue, String(t.of), String(t.right), String(t.rule)]) } }
        }
        printTable(["set", "pass", "ops", "vote right", "rule right"], rows)
    }

    /// Linear layers at real token counts, measured and held out of the catalog, predicted from its neighbours.
    static func printLinearTokens(gpu: GPUSpec) throws {
        guard case .measured(let catalog) = CatalogSource.forGPU(gpu), let check = try LinearTokenCheck.run(catalog: catalog, gpu: gpu) else { return }
        Swift.print("\nLinear layers at real token counts (Assets/catalog/\(LinearTokenCheck.folder), held out: rows of batch 1–64 × 50, 197 or 577 tokens, widths of ViT-S/B/L blocks, standalone), predicted from the catalog's nearest neighbours")
        printTable(["pass", "ops", "median error", "90th pct", "worst", "median signed"],
                   check.rows.map { [$0.pass.rawValue, String($0.count), pct1($0.medianError), pct1($0.p90Error), pct1($0.worstError),
                                     String(format: "%+.1f%%", $0.medianSigned * 100)] })
        Swift.print("Linear-token summary: single-op error median \(pct1(check.medianError)), worst \(pct1(check.worstError)) over \(check.count) ops")
        guard let cold = try ColdWeightsCheck.run(catalog: catalog) else { return }
        Swift.print("\nCold weights (Assets/catalog/\(catalog.gpuName)/linear_cold, measure_cold_linear.py: forward linear layers timed with their weights flushed from the L2, as in a network whose weights exceed it, and warm, as the catalog times them; held out: the \(cold.count) layers of the token set up to 2,048 rows, predicted as warm time plus the extra of the sweep's 3 nearest shapes)")
        Swift.print("Cold-weight summary: cold time error median \(pct1(cold.medianError)), worst \(pct1(cold.worstError)) over \(cold.count) ops (the warm time alone: median \(pct1(cold.warmMedianError)), worst \(pct1(cold.warmWorstError)))")
        guard let saved = ColdSavedCheck.run(catalog: catalog) else { return }
        Swift.print("\nSaved tensors out of the L2 (Assets/catalog/\(catalog.gpuName)/backward_cold, measure_cold_backward.py: backward ops timed with what their forward saved flushed from the L2 and the incoming gradient in it, as in a training step whose activations exceed the L2, and warm, as the catalog times them; each op predicted from the 3 nearest ops of other layers, its own layer left out at every batch size)")
        printTable(["op", "ops", "median error", "worst", "warm alone: median", "worst"],
                   saved.rows.map { ["\($0.family.rawValue) \($0.pass.rawValue)", String($0.count), pct1($0.medianError), pct1($0.worstError),
                                     pct1($0.warmMedianError), pct1($0.warmWorstError)] })
        Swift.print("Saved-tensor summary: cold time error median \(pct1(saved.medianError)), worst \(pct1(saved.worstError)) over \(saved.count) ops (the warm time alone: median \(pct1(saved.warmMedianError)), worst \(pct1(saved.warmWorstError)))")
    }

    static func pct1(_ v: Double) -> String { String(format: "%.1f%%", v * 100) }
}

/// `convtop validate --fit`: refits the timing parameters and cross-validates them.
enum FitOutput {
    /// The fitted sets only: the front-end benchmark is measured into the profile, not fitted, and is the same in
    /// every fold.
    static func summary(_ r: FidelityReport) -> String {
        let sp = FidelityReport.medianWorst(r.fittedSpeedupErrors), se = FidelityReport.medianWorst(r.serialErrors)
        return String(format: "speedup error median %.3f worst %.3f; serial error median %.1f%% worst %.1f%% (%d networks, %d chain cases)",
                      sp.median, sp.worst, se.median * 100, se.worst * 100, r.networks.count, r.chains.count)
    }

    static func run(gpu: GPUSpec) throws {
        let folds = [(ParameterFit.foldA, ParameterFit.foldB), (ParameterFit.foldB, ParameterFit.foldA)]
        for (train, test) in folds {
            print("Fit on \(train.name):")
            let (fitted, loss) = try ParameterFit.fit(gpu, on: train) { print("  " + $0) }
            let trainReport = try FidelityReport.run(gpu: fitted, networkFilter: train.networks, chainFilter: train.chains, frontEnd: false)
            let testReport = try FidelityReport.run(gpu: fitted, networkFilter: test.networks, chainFilter: test.chains, frontEnd: false)
            print(String(format: "  fitted loss %.4f", loss))
            print("  on its own sets:  " + summary(trainReport))
            print("  on held-out sets: " + summary(testReport))
        }
        print("Fit on all sets:")
        let (fitted, _) = try ParameterFit.fit(gpu, on: ParameterFit.all) { print("  " + $0) }
        print("  " + summary(try FidelityReport.run(gpu: fitted, frontEnd: false)))
        print("Fitted values (to copy into the GPU profile):")
        for p in ParameterFit.parameters { print(String(format: "  %@ = %.4g", p.name, p.get(fitted))) }
    }
}
