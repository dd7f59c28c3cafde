import Foundation
import Testing
@testable import ConvtopCore

/// Round 22's held-out convolutions across output-channel tile edges, session 20's check of whole-tile pricing.
@Suite struct TileEdgeTests {
    /// The shipped manifest is what convtop writes today, so the set can be measured again on another GPU.
    @Test func theShippedManifestIsTodays() throws {
        let gpu = try GPUCatalog.load("h200")
        var m = CatalogManifest()
        m.addTileEdgeCheck(gpu: gpu)
        #expect(try shippedCheckManifest("round22/manifest.jsonl.gz", today: m.jsonLines()) == m.jsonLines())
        let convs = m.items.filter { $0.signature.family == .conv }
        #expect(convs.count == 3 * 456)
        // none of it is in the shipped catalog, and every one is vector-aligned
        let catalog = try #require(CatalogSource.forGPU(gpu).catalog)
        #expect(convs.allSatisfy { catalog.entry($0.signature.key) == nil && $0.signature.vectorAligned })
    }

    /// The fill classes, checked by hand: 64 and 128 fill their last tile, 72 puts 8 channels in it, 120 puts 56.
    @Test func fillClassesFollowTheLastTile() {
        typealias F = CatalogManifest.TileFill
        #expect(F(channels: 64) == .full && F(channels: 256) == .full)
        #expect(F(channels: 72) == .upToHalf && F(channels: 96) == .upToHalf && F(channels: 40) == .overHalf)
        #expect(F(channels: 120) == .overHalf && F(channels: 48) == .overHalf && F(channels: 136) == .upToHalf)
    }

    /// Measured after whole-tile pricing, the set holds it: forward convolutions whose last tile is half full or less
    /// were priced 10.6% short at the median without it (session 20), 5.8% with it.
    @Test func partialTilesArePricedNearTheirMeasuredTime() throws {
        let rows = try OtherShapes.convRows(.round22, gpu: try GPUCatalog.load("h200"))
        #expect(rows.count == 1368)
        func signedMedian(_ fill: CatalogManifest.TileFill) -> Double {
            let e = rows.filter { $0.pass == .forward && CatalogManifest.TileFill(channels: $0.outChannels) == fill }
                .map(\.error).sorted()
            return e.isEmpty ? .nan : e[e.count / 2]
        }
        #expect(abs(signedMedian(.upToHalf)) < 0.08, "\(signedMedian(.upToHalf))")
        #expect(abs(signedMedian(.full)) < 0.05 && abs(signedMedian(.overHalf)) < 0.05)
    }
}
