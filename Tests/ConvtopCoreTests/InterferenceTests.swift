import Testing
@testable import ConvtopCore

/// Round 25's interference probes: cuDNN convolutions slow beside a light co-resident block more than convtop says,
/// and the light block slows far less than convtop says.
@Suite struct InterferenceTests {
    /// The file holds the 8 chain-grid shapes × 5 probes. Measured (the file's medians, read by hand): the
    /// 128-block `align1` convolution (b32 c256 7×7 1×1, 9.1 µs) takes 1.93× as long beside one shared-memory probe block
    /// an SM, while that probe slows only 1.09×; convtop's share rule and fixed per-block cost give the convolution
    /// under 1.2× and the probe over 3× (a probe that moves almost no bytes is priced against its own tiny DRAM rate).
    /// Since session 26 a convolution whose blocks need a larger split of on-chip memory than a probe's waits for the
    /// probe to leave an SM, so fewer convolutions come out under their measured slowdown (25 of 40, 28 before).
    @Test func convolutionsSlowMoreAndProbesLessThanConvtopSays() throws {
        let rows = try Interference.run(gpu: try GPUCatalog.load("h200"))
        #expect(rows.count == 40)
        let r = try #require(rows.first { $0.point.batch == 32 && $0.point.channels == 256 && $0.point.probe == .smem })
        #expect(abs(r.point.convSlowdown - 1.93) < 0.01 && abs(r.point.probeSlowdown - 1.09) < 0.01)
        #expect(r.simulatedConvSlowdown < 1.2 && r.simulatedProbeSlowdown > 3)
        let convUnder = rows.filter { $0.simulatedConvSlowdown < $0.point.convSlowdown }.count
        let probeOver = rows.filter { $0.simulatedProbeSlowdown > $0.point.probeSlowdown }.count
        #expect(convUnder >= 24 && probeOver >= 30, "\(convUnder) \(probeOver)")
    }
}
