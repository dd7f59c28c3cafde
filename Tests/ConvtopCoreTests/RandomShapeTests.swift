import Foundation
import Testing
@testable import ConvtopCore

/// Round 19's held-out convolutions at random shapes, and the vector-alignment shape class they showed.
@Suite struct RandomShapeTests {
    /// The shipped manifest is what convtop writes today, so the set can be measured again on another GPU.
    @Test func theShippedManifestIsTodays() throws {
        let gpu = try GPUCatalog.load("h200")
        var m = CatalogManifest()
        m.addRandomShapeCheck(gpu: gpu)
        #expect(try shippedCheckManifest("round19/manifest.jsonl.gz", today: m.jsonLines()) == m.jsonLines())
        // every point is a dense convolution, its three passes and the ReLU before it
        let convs = m.items.filter { $0.signature.family == .conv }
        #expect(convs.count == 3 * 1300 && convs.allSatisfy { $0.signature.value("g") == [1] })
        // nothing in it is in the shipped catalog: it is held out
        let catalog = try #require(CatalogSource.forGPU(gpu).catalog)
        #expect(convs.allSatisfy { catalog.entry($0.signature.key) == nil })
    }

    /// The draws stay within their bounds (checked by hand against the distribution's description).
    @Test func randomShapesStayWithinTheirBounds() {
        var rng = SplitMix64(seed: 7)
        var sawOddChannels = false, sawStride2 = false, windows = Set<Int>()
        for _ in 0..<2000 {
            let c = CatalogManifest.randomConvShape(&rng)
            #expect((1...64).contains(c.n) && (8...2048).contains(c.cin) && (8...2048).contains(c.cout) && (7...112).contains(c.hw))
            #expect(c.n * c.cin * c.hw * c.hw <= 1 << 26)
            sawOddChannels = sawOddChannels || c.cin % 2 == 1
            sawStride2 = sawStride2 || c.s == 2
            windows.insert(c.k)
        }
        #expect(sawOddChannels && sawStride2 && windows == [1, 3, 5])
    }

    /// Channels in and out multiples of 4, and a 1×1 window's map too, keep a dense convolution in the aligned class.
    @Test func unalignedConvolutionsHaveTheirOwnClass() {
        func cls(_ key: String) -> String? { OpSignature(key: key)?.shapeClass }
        // ResNet-50's layers: aligned
        #expect(cls("conv.forward|x=8,256,56,56|cout=64|k=1,1|s=1,1|p=0,0|d=1,1|g=1|bias=0") == "k=1,1|s=1,1|dense")
        // a 1×1 on a 7×7 map: 49 positions, a matrix product over NCHW memory without 16-byte rows
        #expect(cls("conv.forward|x=8,2048,7,7|cout=512|k=1,1|s=1,1|p=0,0|d=1,1|g=1|bias=0") == "k=1,1|s=1,1|dense-unaligned")
        // a 3×3 on the same map is aligned: its positions are not a matrix dimension in memory
        #expect(cls("conv.forward|x=8,512,7,7|cout=512|k=3,3|s=1,1|p=1,1|d=1,1|g=1|bias=0") == "k=3,3|s=1,1|dense")
        // odd channels in or out
        #expect(cls("conv.dgrad|x=4,282,34,34|cout=536|k=1,1|s=1,1|p=0,0|d=1,1|g=1|bias=0") == "k=1,1|s=1,1|dense-unaligned")
        #expect(cls("conv.wgrad|x=4,256,28,28|cout=951|k=3,3|s=2,2|p=1,1|d=1,1|g=1|bias=0") == "k=3,3|s=2,2|dense-unaligned")
        // narrow convolutions (an RGB stem) stay with the narrow sweep, whatever their alignment
        #expect(cls("conv.forward|x=8,3,224,224|cout=64|k=7,7|s=2,2|p=3,3|d=1,1|g=1|bias=0") == "k=7,7|s=2,2|dense")
        // grouped and depthwise convolutions keep their classes
        #expect(cls("conv.forward|x=8,96,7,7|cout=96|k=3,3|s=1,1|p=1,1|d=1,1|g=96|bias=0") == "k=3,3|s=1,1|depthwise")
    }
}
