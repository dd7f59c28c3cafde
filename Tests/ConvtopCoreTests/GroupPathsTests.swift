import Testing
@testable import ConvtopCore

/// Grouped convolutions take the path cuDNN took for the catalog's nearest measured ones (`GroupPaths`).
@Suite struct GroupPathsTests {
    static func catalog() throws -> KernelCatalog {
        try #require(Workload.catalog(Scenario(), try GPUCatalog.load("h200")).catalog)
    }

    /// Each measured grouped convolution predicted from the others: forward passes 1,314 of 1,379 right (the rule
    /// alone: 1,017), data gradients 1,339 (1,040), weight gradients (none of which ran group by group) all. With the
    /// width counted once in the vote's distance, as before session 22: 3,938 of the 4,137 right over all three passes,
    /// where now 4,032. The odd-groups sweep, never
    /// merged (5–37 groups of 8, 16 and 24 channels), from the catalog: 144 of 144 forward passes (132) and 132 of 144
    /// data gradients (125).
    @Test func pathsComeOutRightLeftOutAndHeldOut() throws {
        let c = try Self.catalog()
        let dir = try #require(AssetLocator.directory("catalog"))
        let check = GroupPaths.check(c, heldOut: try CatalogFile.load(path: dir + "/h200/oddgroups/catalog.tsv.gz").catalog)
        for (pass, share) in [(ConvPass.fprop, 0.95), (.dgrad, 0.97), (.wgrad, 1.0)] {
            let t = try #require(check.leftOut[pass])
            #expect(t.of == 1379 && Double(t.right) >= share * Double(t.of) && t.right >= t.rule, "\(pass): \(t)")
        }
        let f = try #require(check.heldOut[.fprop]), d = try #require(check.heldOut[.dgrad])
        #expect(f.of == 144 && f.right == 144 && f.rule == 132)
        #expect(d.of == 144 && d.right >= 130 && d.rule == 125)
        let all = GroupPaths.measured(c)
        #expect(!all.contains { $0.shape.pass == .wgrad && $0.byGroup })
        #expect(!all.contains { $0.shape.batch == 1 && $0.byGroup })
    }

    /// The kernel names read off an entry's line without decoding it are the decoded entry's, for every grouped entry.
    @Test func kernelNamesAreTheDecodedEntrysNames() throws {
        let c = try Self.catalog()
        let keys = GroupPaths.measured(c).map(\.key)
        #expect(keys.count == 4137)
        for key in keys { #expect(c.kernelNames(key) == c.entry(key)?.kernels.map(\.name), "\(key)") }
        #expect(c.kernelNames("conv.forward|x=1,1,1,1|cout=1") == nil)
    }

    /// Round 18's RegNets (24 channels a group), as profiled: RegNet-X-1.6GF at batch 2 ran its first stage (3 groups,
    /// stride 2 from 112×112) and the first block of its second (7 groups, stride 2 from 56×56) group by group, at batch
    /// 24 neither the latter nor its first stage's second block (3 groups on 56×56); RegNet-Y-3.2GF at batch 12 ran that
    /// block's shape as one grouped kernel too. No convolution of one image ran group by group.
    @Test func roundEighteensRegNetsComeOutAsProfiled() throws {
        let c = try Self.catalog()
        func path(_ groups: Int, batch: Int, map: Int, stride: Int) -> Bool? {
            GroupPaths.byGroup(GroupPaths.Shape(pass: .fprop, window: 3, stride: stride, width: 24, groups: groups, batch: batch, map: map), catalog: c)
        }
        #expect(path(3, batch: 2, map: 112, stride: 2) == true)
        #expect(path(7, batch: 2, map: 56, stride: 2) == true)
        #expect(path(7, batch: 24, map: 56, stride: 2) == false)
        #expect(path(3, batch: 24, map: 56, stride: 1) == false)
        #expect(path(3, batch: 12, map: 56, stride: 1) == false)
        #expect(path(3, batch: 1, map: 112, stride: 2) == false)
        // without a measured grouped convolution of the window, the rule decides
        #expect(GroupPaths.byGroup(GroupPaths.Shape(pass: .fprop, window: 5, stride: 1, width: 24, groups: 3, batch: 2, map: 56), catalog: c) == nil)
    }

    /// Lowered with the catalog, that first stage at a batch the catalog did not measure (3) launches cuDNN's loop, as its
    /// measured neighbours at batch 2 and 4 did: a transpose in, a convolution and a transpose out per group; the rule
    /// alone (no catalog) gave it cuDNN's grouped kernel.
    @Test func theLoweringFollowsTheVote() throws {
        var b = GraphBuilder(name: "stage")
        _ = b.conv(b.input([3, 72, 112, 112], name: "x"), 72, k: (3, 3), s: (2, 2), p: (1, 1), groups: 3, name: "g")
        let g = b.build(), gpu = try GPUCatalog.load("h200")
        let with = Lowering.lower(g, gpu: gpu, catalog: Workload.catalog(Scenario(), gpu))
        #expect(with.kernels.filter { $0.name.hasPrefix("genericTranspose") }.count == 6)
        #expect(with.kernels.count == 9)
        #expect(!Lowering.lower(g, gpu: gpu).kernels.contains { $0.name.hasPrefix("genericTranspose") })
    }

    /// cuDNN transforms the filter of a grouped convolution whose groups are not a power of two channels wide with its
    /// generic tensor transform: RegNet-Y-16GF's third stage (11 groups of 112 on 14×14) launches it at 264 blocks,
    /// 18.7 µs for its 5.0 MB filter (profiled in round 24: 18.0), where 16 groups of 64 and the weight gradient keep
    /// the fast NCHW-to-NHWC kernel.
    @Test func oddGroupWidthsTransformTheFilterGenerically() throws {
        let gpu = try GPUCatalog.load("h200"), timing = TimingModel(gpu: gpu)
        func filterKernels(channels: Int, groups: Int, training: Bool = false) throws -> [Kernel] {
            var b = GraphBuilder(name: "g")
            var y = b.input([2, channels, 14, 14], name: "x")
            // (in training, a second layer, whose input has a gradient: a data gradient too)
            for i in 0..<(training ? 2 : 1) { y = b.conv(y, channels, k: (3, 3), p: (1, 1), groups: groups, name: "c\(i)") }
            let g = training ? TrainingGraph.build(from: b.build()) : b.build()
            return Lowering.lower(g, gpu: gpu, precision: .tf32).kernels.filter { $0.name.contains("filter") }
        }
        let wide = try filterKernels(channels: 1232, groups: 11)
        let generic = try #require(wide.first)
        #expect(wide.count == 1 && generic.name == "tensorTransformGeneric_filter" && generic.grid.count == 264)
        #expect(abs(timing.standaloneDuration(generic) / 18.7 - 1) < 0.01, "\(timing.standaloneDuration(generic)) µs")
        #expect(try filterKernels(channels: 1024, groups: 16).map(\.name) == ["nchwToNhwc_filter"])
        // training two such layers: two forward passes and the second's data gradient generic, the weight gradients fast
        let names = try filterKernels(channels: 1232, groups: 11, training: true).map(\.name)
        #expect(names.filter { $0 == "tensorTransformGeneric_filter" }.count == 3 && names.filter { $0 == "nchwToNhwc_filter" }.count == 2,
                "\(names)")
    }
}

/// Grouped convolutions of one image at odd group widths (`Assets/catalog/h200/exact.tsv.gz`, the sweep
/// `addGroupBatchOneSweep`) price only themselves: found for their own keys, never neighbours or group-path voters.
@Suite struct ExactOnlyTests {
    @Test func oddWidthsOfOneImagePriceOnlyThemselves() throws {
        let c = try GroupPathsTests.catalog()
        let key = "conv.forward|x=1,72,56,56|cout=72|k=3,3|s=1,1|p=1,1|d=1,1|g=3|bias=0"
        let e = try #require(c.entry(key))
        // RegNet-Y-3.2GF's first stage at batch 1, as round 18 profiled it: one FFMA kernel per group
        #expect(e.kernels.filter { $0.name.hasPrefix("sm80_xmma_fprop_implicit_gemm_f32f32_f32f32") }.count == 3, "\(e.kernels.map(\.name))")
        #expect(c.exactOnlyCount == 1453 && c.count == 38788)
        #expect(!c.allKeys.contains(key) && !GroupPaths.measured(c).contains { $0.key == key })
        // a neighbour search for its twin at batch 2 never returns it
        let sig = try #require(OpSignature(key: key.replacingOccurrences(of: "x=1,", with: "x=2,")))
        #expect(c.nearestEntry(sig, flops: e.flops * 2, bytes: e.bytes * 2)?.key != key)
    }
}
