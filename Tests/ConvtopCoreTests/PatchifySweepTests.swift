import Foundation
import Testing
@testable import ConvtopCore

/// The catalog's patchifying stems (`Assets/catalog/h200/patchify/`, merged): convolutions of stride k over k×k
/// patches of an RGB image, as ViT, Swin and ConvNeXt begin.
@Suite struct PatchifySweepTests {
    /// ViT-B's stem (768 channels, left out of the sweep) priced by its neighbours, against the kernels measured in
    /// the networks: ViT-B/16 at batch 1 and 32 (Assets/onnx/measured/kernels.jsonl.gz: 40.0 and 501.2 µs for the
    /// convolution) and ViT-B/32 at batch 2 and 16 (Assets/calibration/round7/kernels.jsonl.gz: 143.7 and 405.8 µs).
    /// Before the sweep its neighbours were none and the model alone gave 8.4, 135, 24 and 69 µs.
    @Test func vitStemsComeFromTheirNeighbours() throws {
        let (gpu, catalog) = try KernelCatalogTests.shippedH200()
        let timing = TimingModel(gpu: gpu)
        for (batch, k, measured) in [(1, 16, 40.0), (32, 16, 501.2), (2, 32, 143.7), (16, 32, 405.8)] {
            var b = GraphBuilder(name: "stem")
            _ = b.conv(b.input([batch, 3, 224, 224], name: "image"), 768, k: (k, k), s: (k, k), bias: true)
            let g = b.build()
            let kg = Lowering.lower(g, gpu: gpu, catalog: .measured(catalog))
            let ks = kg.opKernels[1].map { kg.kernels[$0] }
            #expect(ks.allSatisfy { $0.origin == .near })
            // the convolution alone: the measured figures leave out the bias kernel
            let us = timing.standaloneDuration(ks[0])
            #expect(abs(us / measured - 1) < 0.25, "b\(batch) k\(k): \(us) µs against \(measured)")
        }
    }
}
