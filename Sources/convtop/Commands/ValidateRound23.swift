import ConvtopCore

extension FidelityOutput {
    /// Round 23: convolutions of the catalog and the held-out sets measured again on another lease, and convtop's
    /// signed error on each set's large ones.
    static func printRemeasurement(_ r: (rows: [Remeasurement.Row], passSpread: [Double])) {
        guard !r.rows.isEmpty else { return }
        let large = String(format: "%.0f", Remeasurement.largeUs)
        Swift.print("\nMeasurements repeated (Assets/calibration/round23, remeasure_manifest.py: \(r.rows.reduce(0) { $0 + $1.repeatErrors.count }) dense convolutions of 30 µs or more that the catalog and three held-out sets hold, measured again in session 21 on another H200 lease, interleaved, two passes; beside them convtop's error on each whole set's dense convolutions it gives \(large) µs or more, the catalog's each left out)")
        printTable(["set", "convolutions", "new vs stored: median", "signed", "worst", "convtop \(large) µs or more", "signed", "median"],
                   r.rows.map { row in
                       let mw = FidelityReport.medianWorst(row.repeatErrors), big = FidelityReport.medianWorst(row.largeErrors)
                       return [row.source.rawValue + (row.source == .catalog ? " (left out)" : ""), String(row.repeatErrors.count), pct1(mw.median),
                               signedMedian(row.repeatErrors), pct1(mw.worst), String(row.largeErrors.count), signedMedian(row.largeErrors),
                               row.largeErrors.isEmpty ? "–" : pct1(big.median)]
                   })
        let all = FidelityReport.medianWorst(r.rows.flatMap(\.repeatErrors)), pass = FidelityReport.medianWorst(r.passSpread)
        let heldOut = r.rows.filter { $0.source != .catalog }.flatMap(\.largeErrors)
        let leftOut = r.rows.first { $0.source == .catalog }?.largeErrors ?? []
        Swift.print("Remeasurement summary: stored times repeat within a median \(pct1(all.median)) (worst \(pct1(all.worst))), pass to pass \(pct1(pass.median)) (worst \(pct1(pass.worst))); held-out convolutions convtop gives \(large) µs or more come out a median \(signedMedian(heldOut)) (\(heldOut.count) ops), the catalog's left out \(signedMedian(leftOut)) (\(leftOut.count))")
    }
}
