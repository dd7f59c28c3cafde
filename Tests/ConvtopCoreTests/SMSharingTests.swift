import Testing
@testable import ConvtopCore

/// Round 25: one SM's throughput shared by co-resident blocks of a probe kernel, against convtop's share rule.
@Suite struct SMSharingTests {
    /// The probe ran as designed: every SM held exactly B blocks in every case, and blocks that only wait on the
    /// clock (20 µs) take the same time at every B, so the blocks of a case did run side by side.
    @Test func everySMHeldItsBlocksSideBySide() throws {
        let points = try SMSharing.points()
        #expect(points.count == 60 && points.allSatisfy(\.everySMHeldB))
        let spin = points.filter { $0.kind == "spin" }
        #expect(spin.count == 10 && spin.allSatisfy { abs($0.blockUs - 20.1) < 0.1 })
    }

    /// What the measurement says and convtop does not: a block of 4 warps issuing one dependent chain of tensor-core
    /// products leaves most of its SM idle. Six such blocks on an SM take 62.3 µs each against 56.6 alone
    /// (`sm_sharing.jsonl`), 5.45 times one block's throughput; convtop, whose matrix products saturate the SM at 4
    /// warps, gives every B the throughput of one block. Pinned at one block, its error there is 0.
    @Test func latencyBoundBlocksShareAnSMAlmostFreely() throws {
        let rows = try SMSharing.run(gpu: try GPUCatalog.load("h200"))
        let mma1 = rows.filter { $0.probe == .mma && $0.ilp == 1 }
        #expect(mma1.count == 10)
        let one = try #require(mma1.first { $0.warpsPerSM == 4 }), six = try #require(mma1.first { $0.warpsPerSM == 24 })
        #expect(abs(one.error) < 1e-6)
        #expect(abs(six.measuredGain - 5.45) < 0.01)
        #expect(rows.filter { $0.probe == .mma }.allSatisfy { abs($0.simulatedGain - 1) < 0.005 }, "\(rows.map(\.simulatedGain).max() ?? 0)")
        // Where the measured throughput reaches 90% of its best (worked out by hand from the file's block times).
        #expect(SMSharing.saturationWarps(mma1) == 24)
        #expect(SMSharing.saturationWarps(rows.filter { $0.probe == .mma && $0.ilp == 4 }) == 12)
        #expect(SMSharing.saturationWarps(rows.filter { $0.probe == .ffma && $0.ilp == 4 }) == 8)
    }
}

/// Round 25's dispatch probe: the dispatcher serves grids in order, as convtop's does.
@Suite struct DispatchOrderTests {
    /// Grid B fits beside grid A's blocks: it starts 3.3 µs after A (its launch) when A's blocks are all dispatched,
    /// but only at 20.7 µs, once A's second wave is dispatched, when A still has blocks waiting — from another stream
    /// and from another graph branch alike; with no room beside A it waits for A's end, 40.4 µs (the file's
    /// medians). convtop's dispatcher gives B's first block within 1 µs of each of the held-back cases.
    @Test func aLaterGridWaitsBehindAnEarlierGridsUndispatchedBlocks() throws {
        let rows = try DispatchOrder.run(gpu: try GPUCatalog.load("h200"))
        let byCase = Dictionary(uniqueKeysWithValues: rows.map { ($0.point.name, $0) })
        #expect(Set(byCase.keys) == ["streams", "graph", "one_wave", "no_room"])
        for name in ["streams", "graph"] {
            let r = try #require(byCase[name])
            #expect(r.point.bFirstStartUs >= r.point.aLastStartUs && r.point.bFirstStartUs < 21)
            #expect(abs(r.simulatedBStartUs - r.point.bFirstStartUs) < 1, "\(name): \(r.simulatedBStartUs)")
        }
        let free = try #require(byCase["one_wave"]), full = try #require(byCase["no_room"])
        #expect(free.point.bFirstStartUs < 5 && free.simulatedBStartUs < 1)
        #expect(full.point.bFirstStartUs > 40 && abs(full.simulatedBStartUs - full.point.bFirstStartUs) < 1)
    }
}

/// Round 25's interference probes: cuDNN convolutions slow beside a light co-resident block more than convtop says,
/// and the light block slows far less than convtop says.
@Suite struct InterferenceTests {
    /// The file holds the 8 chain-grid shapes × 5 probes. Measured (the file's medians, read by hand): the
    /// 128-block `align1` convolution (b32 c256 7×7 1×1, 9.1 µs) takes 1.93× as long beside one shared-memory probe block
    /// an SM, while that probe slows only 1.09×; convtop's share rule and fixed per-block cost give the convolution
    /// under 1.2× and the probe over 3× (a probe that moves almost no bytes is priced against its own tiny DRAM rate).
    @Test func convolutionsSlowMoreAndProbesLessThanConvtopSays() throws {
        let rows = try Interference.run(gpu: try GPUCatalog.load("h200"))
        #expect(rows.count == 40)
        let r = try #require(rows.first { $0.point.batch == 32 && $0.point.channels == 256 && $0.point.probe == "smem" })
        #expect(abs(r.point.convSlowdown - 1.93) < 0.01 && abs(r.point.probeSlowdown - 1.09) < 0.01)
        #expect(r.simulatedConvSlowdown < 1.2 && r.simulatedProbeSlowdown > 3)
        let convUnder = rows.filter { $0.simulatedConvSlowdown < $0.point.convSlowdown }.count
        let probeOver = rows.filter { $0.simulatedProbeSlowdown > $0.point.probeSlowdown }.count
        #expect(convUnder >= 28 && probeOver >= 30, "\(convUnder) \(probeOver)")
    }
}
