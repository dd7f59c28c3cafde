import Testing
@testable import ConvtopCore

/// Round 25's convolution pairs: real cuDNN kernels side by side, each ordered pair's first side.
@Suite struct ConvPairsTests {
    /// Every ordered pair of the eight shapes is in the file. Side by side the cost falls unevenly (the file, read by
    /// hand): the 128-block convolution b32 c256 7×7 1×1 takes 4.51× as long beside the 125-µs b32 c512 14×14 3×3,
    /// which takes only 1.11× as long beside it. convtop says so too (the small one slows more than twice as much
    /// as the large one), and over all 64 pairs its median slowdown is within 0.15 of the measured one.
    @Test func theSmallGridPaysWhenTwoConvolutionsShareTheGPU() throws {
        let rows = try ConvPairs.run(gpu: try GPUCatalog.load("h200"))
        #expect(rows.count == 64 && Set(rows.map { [$0.point.first, $0.point.second] }).count == 64)
        let small = try #require(rows.first { $0.point.first.channels == 256 && $0.point.first.map == 7 && $0.point.second.channels == 512 })
        let large = try #require(rows.first { $0.point.first.channels == 512 && $0.point.second.channels == 256 && $0.point.second.map == 7 })
        #expect(abs(small.point.slowdown - 4.51) < 0.01 && abs(large.point.slowdown - 1.11) < 0.01)
        #expect(small.simulatedSlowdown > 2 * large.simulatedSlowdown)
        func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
        #expect(abs(median(rows.map(\.simulatedSlowdown)) - median(rows.map(\.point.slowdown))) < 0.15)
    }
}
