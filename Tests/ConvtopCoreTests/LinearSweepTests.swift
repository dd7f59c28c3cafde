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

    /// Held out: the token set's 144 forward layers up to 2,048 rows, timed with their weights flushed from the L2
    /// (session 16, `measure_cold_linear.py`), predicted from the sweep's cold extras. The warm time alone is 5.3% short
    /// at the median.
    @Test func coldWeightsComeFromTheSweepsNearestShapes() throws {
        let (_, catalog) = try KernelCatalogTests.shippedH200()
        let check = try #require(try ColdWeightsCheck.run(catalog: catalog))
        #expect(check.count == 144)
        #expect(check.medianError < 0.02 && check.warmMedianError > 0.04, "\(check.medianError) \(check.warmMedianError)")
    }

    /// A linear layer's weights stay in the L2 only where the network's all fit there. Swin-T's 196×384→384 projection
    /// at batch 1 (Assets/onnx/measured, `inf_swin_t_b1`): 14.2 µs in the network, 8.5 warm in the catalog.
    @Test func aLayerPaysForColdWeightsInANetworkLargerThanTheL2() throws {
        let (gpu, _) = try KernelCatalogTests.shippedH200()
        func projectionUs(besides big: Int) throws -> Double {
            var b = GraphBuilder(name: "t")
            _ = b.linear(b.input([196, 384], name: "x"), 384, name: "proj")
            if big > 0 { _ = b.linear(b.input([1, big], name: "y"), big) }
            let g = b.build()
            var sc = Scenario(); sc.gpu = "h200"; sc.launch = .graph
            let w = try Workload(graph: g, scenario: sc, gpu: gpu)
            let id = try #require(g.nodes.first { $0.name == "proj" }).id
            return w.kernels.opKernels[id].reduce(0) { $0 + TimingModel(gpu: gpu).standaloneDuration(w.kernels.kernels[$1]) }
        }
        let alone = try projectionUs(besides: 0), inBig = try projectionUs(besides: 8192)   // 268 MB of weights
        #expect(!ColdWeights.weightsCold(graph { b in _ = b.linear(b.input([196, 384], name: "x"), 384) }, gpu: gpu, precision: .tf32))
        #expect(abs(alone / 8.5 - 1) < 0.15, "\(alone) µs")
        #expect(abs(inBig / 14.2 - 1) < 0.2, "\(inBig) µs")
    }
}
