import Foundation
import Testing
@testable import ConvtopCore

/// The catalog's linear layers at transformer shapes (`Assets/catalog/h200/linear/`, merged) and the held-out check on
/// real token counts (`linear_check/`, not merged).
@Suite struct LinearSweepTests {
    static func manifest(_ folder: String) throws -> String {
        let dir = try #require(AssetLocator.directory("catalog"))
        let data = try #require(FileManager.default.contents(atPath: dir + "/h200/\(folder)/manifest.jsonl.gz"))
        return String(decoding: try Inflate.gunzip([UInt8](data)), as: UTF8.self)
    }

    /// Held out: linear layers on the rows ViTs run, measured standalone, predicted from the catalog's neighbours.
    /// Measured on the H200 (session 15): before the sweep was merged their neighbours were the zoo's classifiers and
    /// the errors were 19–24% at the median, a third of them with no neighbour at all.
    @Test func linearLayersAtRealTokenCountsComeFromTheirNeighbours() throws {
        let (gpu, catalog) = try KernelCatalogTests.shippedH200()
        let check = try #require(try LinearTokenCheck.run(catalog: catalog, gpu: gpu))
        #expect(check.count == 723)
        #expect(check.medianError < 0.05, "\(check.medianError)")
        for row in check.rows {
            #expect(row.count == 241)
            #expect(row.medianError < 0.06 && row.p90Error < 0.15, "\(row.pass): \(row.medianError) \(row.p90Error)")
            #expect(abs(row.medianSigned) < 0.04)
        }
    }

    /// A long, narrow product (ConvNeXt-T at batch 32: 100,352 rows of 96 → 384) runs on cuBLAS's FP32 FFMA tiles, so
    /// its neighbours' times carry over by FLOPs; at TF32's peak it would look bandwidth-bound, be carried over by its
    /// bytes and come out 31% and 50% long. Measured in the network (Assets/onnx/measured, `inf_convnext_tiny_b32`): 224.3 µs,
    /// and 211.7 µs for the 384 → 96 product back.
    @Test func aLongNarrowLinearLayerIsCarriedByItsFLOPs() throws {
        let (gpu, catalog) = try KernelCatalogTests.shippedH200()
        for (i, o, measured) in [(96, 384, 224.3), (384, 96, 211.7)] {
            var b = GraphBuilder(name: "t")
            _ = b.linear(b.input([100_352, i], name: "x"), o)
            let g = b.build()
            var l = Lowering(gpu: gpu, precision: .tf32)
            l.emit(g.nodes[1], graph: g)
            let sig = try #require(OpSignature.of(g.nodes[1], in: g, precision: .tf32))
            #expect(catalog.entry(sig.key) == nil)
            let estimate = try #require(catalog.nearEstimateUs(sig, flops: l.kernels.reduce(0) { $0 + $1.flops },
                                                               bytes: l.kernels.reduce(0) { $0 + $1.bytes }, gpu: gpu))
            #expect(abs(estimate / measured - 1) < 0.15, "\(i)→\(o): \(estimate) µs")
        }
    }
}
