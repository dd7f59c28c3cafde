import ConvtopCore

extension FidelityOutput {
    /// Round 22: dense convolutions whose output channels fall on either side of a 64-wide tile's edge, by pass and by
    /// how full the last tile is.
    static func printTileEdges(_ convs: [OtherShapes.ConvRow]) {
        Swift.print("\nConvolutions across output-channel tile edges (Assets/calibration/round22: \(convs.count) dense convolutions, 64 or 256 channels in, 40–264 out in steps of 8, batch 6 and 20, maps 14–44, 1×1 and 3×3, measured alone in session 20 after whole-tile pricing, as its check; none is in the catalog; the last 64-channel tile of the output full, more than half full, or half full or less)")
        var table: [[String]] = []
        for p in OpPass.allCases {
            for fill in CatalogManifest.TileFill.allCases {
                let errs = convs.filter { $0.pass == p && fill == CatalogManifest.TileFill(channels: Self.outChannels($0.key)) }.map(\.error)
                guard !errs.isEmpty else { continue }
                let mw = FidelityReport.medianWorst(errs)
                table.append(["conv " + p.rawValue, fill.rawValue, String(errs.count), signedMedian(errs), pct1(mw.median), pct1(mw.worst)])
            }
        }
        printTable(["ops", "last tile", "ops", "median signed error", "median error", "worst"], table)
        let mw = FidelityReport.medianWorst(convs.map(\.error))
        Swift.print("Tile-edge summary: single-op error median \(pct1(mw.median)) (signed \(signedMedian(convs.map(\.error)))), worst \(pct1(mw.worst)) over \(convs.count) ops")
    }

    static func outChannels(_ key: String) -> Int { OpSignature(key: key)?.params.first { $0.name == "cout" }?.value.first ?? 0 }
}
