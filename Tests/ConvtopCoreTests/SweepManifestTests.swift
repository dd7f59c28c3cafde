import Foundation
import Testing
@testable import ConvtopCore

/// The manifests shipped beside session 15's measurements are what convtop writes today, so that `convtop calibrate`
/// measures the same sweeps on another GPU and every folder can be measured again.
@Suite struct SweepManifestTests {
    @Test func theShippedManifestsAreTodays() throws {
        let gpu = try GPUCatalog.load("h200")
        func written(_ add: (inout CatalogManifest) -> Void) -> CatalogManifest { var m = CatalogManifest(); add(&m); return m }
        let linear = written { $0.addLinearSweep(gpu: gpu) }, check = written { $0.addLinearTokenCheck(gpu: gpu) }
        let patchify = written { $0.addPatchifySweep(gpu: gpu) }, expansion = written { $0.addExpansionSweep(gpu: gpu) }
        #expect(try LinearSweepTests.manifest("linear") == linear.jsonLines())
        #expect(try LinearSweepTests.manifest("linear_check") == check.jsonLines())
        #expect(try LinearSweepTests.manifest("patchify") == patchify.jsonLines())
        #expect(try LinearSweepTests.manifest("expansion") == expansion.jsonLines())
        let largeWindow = written { $0.addLargeWindowSweep(gpu: gpu) }
        #expect(try LinearSweepTests.manifest("largewindow") == largeWindow.jsonLines() && largeWindow.items.count == 1824)
        let largeMap = written { $0.addLargeMapSweep(gpu: gpu) }
        #expect(try LinearSweepTests.manifest("largemap") == largeMap.jsonLines() && largeMap.items.count == 960)
        let dilated = written { $0.addDilatedSweep(gpu: gpu) }
        #expect(try LinearSweepTests.manifest("dilated") == dilated.jsonLines() && dilated.items.count == 454)
        #expect(!dilated.items.contains { $0.signature.key.contains("|d=12,12|") && $0.signature.key.contains("x=1,256,64,64") })
        let groupLoop = written { $0.addGroupLoopSweep(gpu: gpu) }
        #expect(try LinearSweepTests.manifest("grouploop") == groupLoop.jsonLines() && groupLoop.items.count == 2670)
        // 24-channel groups have their own folder, measured after round 18's RegNets had checked the other widths' path
        let key24 = "conv.forward|x=2,72,112,112|cout=72|k=3,3|s=2,2|p=1,1|d=1,1|g=3|bias=0"
        #expect(!groupLoop.items.contains { $0.signature.key == key24 })
        let width24 = written { $0.addGroupWidth24Sweep(gpu: gpu) }
        #expect(try LinearSweepTests.manifest("groupwidth24") == width24.jsonLines() && width24.items.count == 445)
        #expect(width24.items.contains { $0.signature.key == key24 })
        let batchOne = written { $0.addGroupBatchOneSweep(gpu: gpu) }
        #expect(try LinearSweepTests.manifest("groupbatch1") == batchOne.jsonLines() && batchOne.items.count == 1453)
        let dwcl = written { $0.addChannelsLastDepthwiseSweep(gpu: gpu) }
        #expect(try LinearSweepTests.manifest("dwcl") == dwcl.jsonLines() && dwcl.items.count == 960)
        #expect(!dwcl.items.contains { $0.signature.key.hasPrefix("conv.forward|x=32,96,56,56|cout=96|k=7,7|s=1,1|") })
        let se = written { $0.addSqueezeExcitationSweep(gpu: gpu) }
        #expect(try LinearSweepTests.manifest("se") == se.jsonLines() && se.items.count == 1344)
        // no squeeze-excitation width of EfficientNet-B3 (816 channels to 34): round 7's networks check the sweep
        #expect(!se.items.contains { $0.signature.key.contains(",816,1,1|") || $0.signature.key.contains("|cout=816|") })
        let counts: [Int] = [linear.items.count, check.items.count, patchify.items.count, expansion.items.count]
        #expect(counts == [6159, 967, 1918, 405])
        // the linear sweep's rows: four to an octave, none of them a check row (batch × 50, 197 or 577)
        let rows = Set(CatalogManifest.linearSweepRows)
        #expect(rows.count == 49 && rows.contains(16) && rows.contains(65536) && rows.contains(724) && rows.contains(861))
        #expect(![800, 197, 394, 577, 3152].contains { rows.contains($0) })
        // ViT-B's stem is left out of the patchifying sweep
        #expect(!patchify.items.contains { $0.signature.key.contains("cout=768|") })
        // a calibration measures the merged sweeps, not the check or the expansions
        var all = CatalogManifest()
        all.addSweeps(gpu: gpu)
        let keys = Set(all.items.map(\.signature.key))
        #expect(keys.contains("linear.forward|x=861,3072|out=768|bias=1"))
        #expect(keys.contains("conv.forward|x=16,60,56,56|cout=60|k=3,3|s=1,1|p=1,1|d=1,1|g=3|bias=0"))
        #expect(keys.contains("conv.forward|x=32,128,56,56|cout=128|k=7,7|s=1,1|p=3,3|d=1,1|g=128|bias=1|cl=1"))
        #expect(keys.contains("conv.forward|x=16,3,224,224|cout=512|k=32,32|s=32,32|p=0,0|d=1,1|g=1|bias=1"))
        #expect(!keys.contains("linear.forward|x=800,3072|out=768|bias=1"))
        #expect(!keys.contains("conv.forward|x=1,72,56,56|cout=72|k=3,3|s=1,1|p=1,1|d=1,1|g=3|bias=0"))
        #expect(batchOne.items.contains { $0.signature.key == "conv.forward|x=1,72,56,56|cout=72|k=3,3|s=1,1|p=1,1|d=1,1|g=3|bias=0" })
        #expect(!keys.contains("conv.forward|x=8,16,160,160|cout=96|k=1,1|s=1,1|p=0,0|d=1,1|g=1|bias=0"))
        #expect(!keys.contains("conv.forward|x=32,12,192,192|cout=12|k=3,3|s=1,1|p=1,1|d=1,1|g=1|bias=0"))
        #expect(expansion.items.contains { $0.signature.key == "conv.forward|x=8,16,160,160|cout=96|k=1,1|s=1,1|p=0,0|d=1,1|g=1|bias=0" })
    }
}
