import Testing
@testable import ConvtopCore

/// Round 27: the dispatcher deals a grid's blocks round robin over the SMs with room, and the block-release table.
@Suite struct BlockReleaseTests {
    /// Blocks per SM of the first kernel of a one-convolution graph alone on an idle H200.
    func blocksPerSM(_ g: Graph) throws -> [Int] {
        var s = Scenario(); s.gpu = "h200"; s.launch = .graph
        let w = try Workload(graph: g, scenario: s, gpu: try GPUCatalog.load("h200"))
        let t = try w.simulate(.serial, recordBlocks: true).1
        var perSM = Array(repeating: 0, count: w.gpu.smCount)
        for grp in t.groups where grp.kernel == 0 { perSM[Int(grp.sm)] += Int(grp.blocks) }
        return perSM
    }

    /// cuBLAS's product for a 1×1 convolution at batch 1, 128 channels on 112×112: 400 blocks that fit four an SM
    /// (48 KB of shared memory each). The hardware measured most SMs free at four fifths of the kernel's time, as three
    /// blocks a SM would leave them; dealt round robin, 128 SMs take three and 4 take four, none is left idle (dealt
    /// four at a time, as before, 100 SMs took four and 32 none).
    @Test func aGridIsDealtRoundRobin() throws {
        let g = graph { b in _ = b.conv(b.input([1, 128, 112, 112]), 128, k: 1) }
        let perSM = try blocksPerSM(g)
        #expect(perSM.reduce(0, +) == 400)
        #expect(perSM.filter { $0 == 3 }.count == 128 && perSM.filter { $0 == 4 }.count == 4, "\(perSM)")
    }

    /// Fewer blocks than SMs: one each, on as many SMs as there are blocks.
    @Test func fewBlocksTakeOneSMEach() throws {
        let g = graph { b in _ = b.relu(b.input([1, 16, 32, 32])) }
        let perSM = try blocksPerSM(g)
        let blocks = perSM.reduce(0, +)
        #expect(blocks > 0 && blocks < 132)
        #expect(perSM.allSatisfy { $0 <= 1 } && perSM.filter { $0 == 1 }.count == blocks)
    }

    /// The files' 16 + 25 convolutions: measured gains of two copies side by side in their known range, the median SM
    /// of the 400-block product free at 0.80 of the last one's time, no release read for a convolution of several
    /// kernels, and convtop simulating the NCHW ones only.
    @Test func theReleaseTableReadsAndSimulatesTheNCHWRows() throws {
        let rows = try BlockRelease.run(gpu: try GPUCatalog.load("h200"))
        #expect(rows.count == 41 && rows.filter(\.point.heldOut).count == 25)
        #expect(rows.filter { $0.simulatedGain != nil }.count == 34)
        #expect(rows.allSatisfy { $0.point.launches == 1 || $0.point.medianRelease == nil })
        #expect(rows.allSatisfy { ($0.simulatedGain == nil) == $0.point.channelsLast })
        let product = try #require(rows.first { $0.point.batch == 1 && $0.point.channels == 128 && $0.point.map == 112 })
        #expect(abs((product.point.medianRelease ?? 0) - 0.80) < 0.01)
        #expect(abs(product.point.pairGain - 1.36) < 0.01)
        for r in rows { #expect(r.point.pairGain > 0.8 && r.point.pairGain < 2.0 && r.point.releaseUs.count <= 132) }
    }
}
