import ConvtopCore

/// `convtop validate`'s round-14 table: serial replays node by node, timed on the device.
extension FidelityOutput {
    /// Round 14: every prefix of four zoo graphs, device time; the whole replay and each op family's per-node error.
    static func printPrefixReplays(_ rows: [PrefixReplays.Row], floorUs: Double) {
        Swift.print("\nNode by node (Assets/calibration/round14/prefix_replays.jsonl.gz, measure_prefix_replays.py: every prefix of convtop's zoo graphs replayed serially as one CUDA Graph behind a spin kernel, the device alone, clean process; a node's time is T(k) - T(k-1); simulated clean with the second lease's \(fmt(floorUs, 2)) µs device start-up; per-node columns: median of simulated minus measured, µs)")
        let fams = PrefixReplays.families
        printTable(["network", "nodes", "serial meas ms", "serial sim ms", "error"] + fams,
                   rows.map { r in
                       [r.model + " b\(r.batch)", String(r.nodeErrors.count + 1), fmt(r.measuredMs, 3), fmt(r.simulatedMs, 3),
                        String(format: "%+.1f%%", r.error * 100)]
                           + fams.map { f in PrefixReplays.medianNodeError([r], family: f).map { String(format: "%+.2f", $0) } ?? "–" }
                   })
        let se = FidelityReport.medianWorst(rows.map(\.error))
        let per = { (b: Int) in
            fams.compactMap { f in PrefixReplays.medianNodeError(rows.filter { $0.batch == b }, family: f).map { "\(f) \(String(format: "%+.2f", $0))" } }
                .joined(separator: ", ")
        }
        Swift.print(String(format: "Node-by-node summary: serial time error median %.1f%%, worst %.1f%% over %d sets; per node, simulated minus measured (µs), median at batch 1: ",
                           se.median * 100, se.worst * 100, rows.count) + per(1) + "; at batch 4: " + per(4))
    }

    /// Round 14: training steps of the zoo's branchy graphs, serial and with the branch rule, split at the loss.
    static func printZooTraining(_ r: ZooTraining.Report, set: ZooTraining.Set = .first) {
        if set == .first {
            Swift.print("\nTraining steps of the zoo's branchy graphs (Assets/calibration/round14/zoo_training.jsonl, measure_zoo_training.py: convtop's own graphs as PyTorch modules, forward + cross-entropy + backward + SGD with momentum (foreach) captured as one CUDA Graph, serial and with the branch rule on 8 streams, backward on each forward op's stream; the forward pass with the loss alone too, the rest is backward and update; clean process; simulated clean, --mode training)")
        } else {
            Swift.print("\nTraining steps of round 13's six zoo variants (Assets/calibration/round14/zoo_training_variants.jsonl, measured as above after convtop took autograd's order from the first set: held out)")
        }
        let two = { (v: Double?) in v.map { fmt($0, 2) } ?? "–" }
        printTable(["network", "serial meas ms", "serial sim ms", "error", "speedup meas", "speedup sim", "diff",
                    "forward meas", "forward sim", "backward meas", "backward sim"],
                   r.rows.map { x in
                       [x.step.label, fmt(x.step.serialMeasuredMs), fmt(x.step.serialSimulatedMs), String(format: "%+.1f%%", x.step.serialError * 100),
                        two(x.step.speedupMeasured), fmt(x.step.speedupSimulated, 2), x.step.speedupError.map { String(format: "%+.2f", $0) } ?? "–",
                        two(x.forwardSpeedupMeasured), fmt(x.forwardSpeedupSimulated, 2), two(x.backwardSpeedupMeasured), fmt(x.backwardSpeedupSimulated, 2)]
                   })
        let se = FidelityReport.medianWorst(r.rows.map(\.step.serialError))
        let sp = FidelityReport.medianWorst(r.rows.compactMap(\.step.speedupError))
        let fw = FidelityReport.medianWorst(r.rows.compactMap { x in x.forwardSpeedupMeasured.map { x.forwardSpeedupSimulated - $0 } })
        let bw = FidelityReport.medianWorst(r.rows.compactMap { x in x.backwardSpeedupMeasured.map { x.backwardSpeedupSimulated - $0 } })
        let pass = FidelityReport.medianWorst(r.passSpread)
        Swift.print((set == .first ? "Zoo-training" : "Zoo-training variants") + " summary: serial time error median \(String(format: "%.1f%%", se.median * 100)), worst \(String(format: "%.1f%%", se.worst * 100)) over \(r.rows.count) sets; speedup error median \(fmt(sp.median, 3)), worst \(fmt(sp.worst, 3)) (forward pass \(fmt(fw.median, 3))/\(fmt(fw.worst, 3)), backward and update \(fmt(bw.median, 3))/\(fmt(bw.worst, 3))); measured speedups pass 1 against pass 0: median \(fmt(pass.median, 3)), worst \(fmt(pass.worst, 3))")
    }
}
