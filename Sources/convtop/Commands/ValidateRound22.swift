import ConvtopCore

extension FidelityOutput {
    /// Round 22: dense convolutions whose output channels fall on either side of a 64-wide tile's edge, by pass and by
    /// how full the last tile is.
    static func printTileEdges(_ convs: [OtherShapes.ConvRow]) {
        Swift.print("\nConvolutions across output-channel tile edges (Assets/calibration/round22: \(convs.count) dense convolutions, 64 or 256 channels in, 40–264 out in steps of 8, batch 6 and 20, maps 14–44, 1×1 and 3×3, measured alone in session 20 after whole-tile pricing, as its check; none is in the catalog; the last 64-channel tile of the output full, more than half full, or half full or less)")
        printConvTable(convs, unit: "ops", column: "last tile", classes: CatalogManifest.TileFill.allCases.map { fill in
            (fill.rawValue, { CatalogManifest.TileFill(channels: $0.outChannels) == fill })
        })
        printOpSummary("Tile-edge", convs)
    }
}
