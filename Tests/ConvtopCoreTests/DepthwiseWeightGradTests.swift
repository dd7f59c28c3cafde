import Foundation
import Testing
@testable import ConvtopCore

/// PyTorch's depthwise weight-gradient kernel, timed by a formula fitted to the catalog's launches of it
/// (`Lowering.depthwiseWeightGradUs`, `Assets/catalog/depthwise_wgrad_fit.py`).
@Suite struct DepthwiseWeightGradTests {
    static func wgrad(channels: Int, k: Int, batch: Int, plane: Int, gpu: GPUSpec, catalog: CatalogSource = .none) -> [Kernel] {
        var b = GraphBuilder(name: "dw")
        let x = b.relu(b.input([batch, channels, plane, plane], name: "x"), name: "r")
        _ = b.conv(x, channels, k: (k, k), p: (k / 2, k / 2), groups: channels)
        let g = TrainingGraph.build(from: b.build())
        let kg = Lowering.lower(g, gpu: gpu, catalog: catalog)
        let node = g.nodes.first { if case .convWeightGrad = $0.kind { return true }; return false }!
        return kg.opKernels[node.id].map { kg.kernels[$0] }
    }

    /// The launch the profiles show: a block of 32 threads per image up to 256 (the catalog: 32 at batch 1, 128 at
    /// batch 4, 256 at batch 8 and more), one block per weight element.
    @Test func itLaunchesAWarpPerImage() throws {
        let gpu = try GPUCatalog.load("h200")
        for (batch, threads) in [(1, 32), (4, 128), (8, 256), (64, 256)] {
            let ks = Self.wgrad(channels: 96, k: 5, batch: batch, plane: 14, gpu: gpu)
            #expect(ks.count == 1 && ks[0].threadsPerBlock == threads && ks[0].blocks == 96 * 25)
        }
    }

    /// Held out: EfficientNet-B3's depthwise weight gradients in its training step at 300 px and batch 8, measured in
    /// the network (Assets/calibration/round7/kernels.jsonl.gz, train_efficientnet_b3_b8_serial), none of them in the
    /// catalog. The formula comes within 20% of each (median 15%); the catalog's neighbours had given the stage-6
    /// layer (1,392 channels, 5×5 on 10×10) 76 µs, half its 152. A miss keeps the formula's time (within the saved-tensor
    /// factor where the step's tensors leave the L2 between the layer's forward and backward, `ColdSaved`: 1.003 at most here).
    @Test func efficientNetB3sWeightGradientsComeWithinTwentyPercent() throws {
        let (gpu, catalog) = try KernelCatalogTests.shippedH200()
        let timing = TimingModel(gpu: gpu)
        for (c, k, plane, measured) in [(1392, 5, 10, 152.2), (816, 5, 19, 143.7), (576, 3, 19, 39.4), (288, 5, 38, 132.7),
                                        (192, 3, 75, 128.0), (40, 3, 150, 132.6), (1392, 3, 10, 56.7), (2304, 3, 10, 92.1)] {
            let ks = Self.wgrad(channels: c, k: k, batch: 8, plane: plane, gpu: gpu, catalog: .measured(catalog))
            #expect(ks.count == 1 && ks[0].origin == .model)
            let us = timing.standaloneDuration(ks[0])
            #expect(abs(us / measured - 1) < 0.2, "\(c) channels \(k)×\(k) on \(plane)×\(plane): \(us) µs against \(measured)")
            #expect(abs(us / Lowering.depthwiseWeightGradUs(weights: c * k * k, batch: 8, outputPlane: plane * plane, gpu: gpu) - 1) < 0.01)
        }
    }
}
