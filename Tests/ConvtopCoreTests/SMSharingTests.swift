import Testing
@testable import ConvtopCore

/// Round 25: one SM's throughput shared by co-resident blocks of a probe kernel, against convtop's share rule.
@Suite struct SMSharingTests {
    /// The probe ran as designed: every SM held exactly B blocks in every case, and blocks that only wait on the
    /// clock (20 µs) take the same time at every B, so the blocks of a case did run side by side.
    @Test func everySMHeldItsBlocksSideBySide() throws {
        let points = try SMSharing.points()
        #expect(points.count == 60 && points.allSatisfy(\.everySMHeldB))
        let spin = points.filter { $0.kind == .spin }
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

